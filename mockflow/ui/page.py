"""The whole page as the tabs' wiring sees it: every tab's components, the shared state
(who the user is, the live interview view, the tab strip) and the page-load event.

`ui.app` builds it; each tab module's `wire(page)` attaches the listeners of its own
components, reaching other tabs' components only through it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from mockflow.ui.common import user_errors, with_services
from mockflow.ui.services import AppServices

if TYPE_CHECKING:
    from mockflow.ui.tabs.coach import CoachTab
    from mockflow.ui.tabs.feedback import FeedbackTab
    from mockflow.ui.tabs.history import HistoryTab
    from mockflow.ui.tabs.interview import InterviewTab
    from mockflow.ui.tabs.settings import SettingsTab
    from mockflow.ui.tabs.setup import SetupTab


@dataclass
class Page:
    services: AppServices
    demo: gr.Blocks
    user: gr.State
    view: gr.State
    tabs: gr.Tabs
    setup: SetupTab
    interview: InterviewTab
    feedback: FeedbackTab
    feedback_page: gr.Tab
    history: HistoryTab
    history_page: gr.Tab
    keys: SettingsTab
    coach: CoachTab
    coach_page: gr.Tab  # shown to a coach only
    practice: gr.State  # the coach's practice link this page was opened through, if any
    load: Any  # the page-load event: `.then` runs after the user is known

    def bind(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`fn(services, ...)` as a listener."""
        return with_services(fn, self.services)

    def guarded(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`bind`, with a user's mistake shown as a message rather than an error."""
        return user_errors(with_services(fn, self.services))

    def component(self, name: str) -> Any:
        """The component (or shared state) a handler names: the page's own (`view`,
        `tabs`), then the Interview tab's, then the Setup tab's."""
        for owner in (self, self.interview, self.setup):
            if name in getattr(owner, "__dataclass_fields__", {}):
                return getattr(owner, name)
        raise KeyError(name)

    def outputs(self, *names: str) -> list[Any]:
        return [self.component(name) for name in names]

    def named(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """A handler that returns {name: value} as Gradio wants it, {component: value};
        names it leaves out keep their value."""

        if inspect.isasyncgenfunction(fn):

            @functools.wraps(fn)
            async def keyed_stream(*args: Any, **kwargs: Any) -> Any:
                async for values in fn(*args, **kwargs):
                    yield self._keyed(values)

            return keyed_stream

        @functools.wraps(fn)
        def keyed(*args: Any, **kwargs: Any) -> Any:
            return self._keyed(fn(*args, **kwargs))

        return keyed

    def _keyed(self, values: dict[str, Any]) -> dict[Any, Any]:
        return {self.component(name): value for name, value in values.items()}

    @property
    def history_outputs(self) -> list[Any]:
        """What `history.show_history` fills."""
        h = self.history
        return [h.table, h.session_ids, h.selected, h.open, h.delete]

    @property
    def feedback_outputs(self) -> list[Any]:
        f = self.feedback
        return [f.facts, f.generate, f.report, f.transcript, f.downloads]
