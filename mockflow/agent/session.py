"""One interview's life in an agent process, written once for both ways it is run.

`run_interview` is what the per-interview process (`process`) and the LiveKit worker's
job (`worker`) both call: it builds the FSM and the controller, runs the transport, turns
whatever goes wrong into a fatal `error` event, and always ends the timeline with
`ended`. Everything the agent writes to the timeline goes through the controller. When the
timeline cannot be written (a full or read-only disk) the interview stops at once: an
answer the interviewer replied to but nobody recorded would be lost for good.
`tick_until_finished` is the one clock loop of both transports.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from mockflow.agent.controller import InterviewController
from mockflow.contracts.events import EventWriteError, EventWriter
from mockflow.contracts.launch_spec import LaunchSpec
from mockflow.errors import MockflowError
from mockflow.interview.fsm import build_fsm

log = logging.getLogger("mockflow.agent")

END_GRACE_SECONDS = 5.0  # a reply under way may finish; inside the app's 10 s grace
TICK_SECONDS = 0.25
INTERNAL_ERROR = "The interviewer stopped after an internal error."

Transport = Callable[[InterviewController], Awaitable[str]]


async def run_interview(spec: LaunchSpec, events: EventWriter, transport: Transport) -> str:
    """Run `transport` for this interview; return (and write) its `ended` reason."""
    controller = InterviewController(spec, build_fsm(spec.track, spec.stage_overrides), events)
    events.on_fault = lambda error: stop_on_storage_fault(controller, error)
    reason = "error"
    try:
        reason = await transport(controller)
    except asyncio.CancelledError:
        log.info("interview cancelled")
        reason = controller.end_reason or "interrupted"
    except MockflowError as exc:
        controller.record_error(str(exc))
    except EventWriteError:
        pass  # stop_on_storage_fault said why
    except Exception:
        log.exception("interview failed")
        with contextlib.suppress(EventWriteError):
            controller.record_error(INTERNAL_ERROR)
    finally:
        if events.fault is not None:
            reason = "error"
        try:
            controller.close(reason)
        except EventWriteError:  # the exit status tells the supervisor (`process`)
            events.close()
    log.info("interview ended: %s", reason)
    return reason


def stop_on_storage_fault(controller: InterviewController, error: EventWriteError) -> None:
    """The timeline refused a line: say so if it still takes one, and end in error."""
    log.error("the interview's timeline can't be written (%s); stopping the interview", error)
    with contextlib.suppress(EventWriteError):
        controller.record_error(str(error))
    controller.end("error")


async def tick_until_finished(
    controller: InterviewController, also: Callable[[], None] | None = None
) -> None:
    """Advance the stage clocks (and `also`, each tick) until the interview finishes."""
    while not controller.finished.is_set():
        controller.tick()
        if also is not None:
            also()
        await asyncio.sleep(TICK_SECONDS)
