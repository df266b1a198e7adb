"""The launch spec of one rehearsal: built by the app's own code for a text interview.

The spec and `meta.json` come from `mockflow.app.interviews` exactly as when a candidate
starts a text interview in the app (same prompts, same defaults, same keys handling);
only the stage limits differ: `DEFAULT_TIME_LIMITS × stage_scale`, rounded to the
millisecond and at least `MIN_STAGE_SECONDS`, so that tiny scales (CI) stay valid.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from mockflow.app.launch_specs import launch_spec
from mockflow.app.setup import InterviewSetup, session_meta
from mockflow.config import LOCAL_LLM_TIMEOUT, nearby
from mockflow.contracts import meta
from mockflow.interview.fsm import DEFAULT_TIME_LIMITS, STAGES
from mockflow.rehearse.endpoint import Endpoint
from mockflow.rehearse.personas import Material, Persona
from mockflow.store.db import SessionRecord
from mockflow.store.vault import ProviderKeys

MIN_STAGE_SECONDS = 0.01
USER_ID = "rehearsal"


def stage_limits(scale: float) -> dict[str, float]:
    return {s: max(MIN_STAGE_SECONDS, round(DEFAULT_TIME_LIMITS[s] * scale, 3)) for s in STAGES}


def setup_for(persona: Persona, material: Material, track: str) -> InterviewSetup:
    return InterviewSetup(
        name=material.name,
        role=material.role,
        level=material.level,
        track=track,
        mode="text",
        resume_text=persona.resume or material.resume,
        job_description=material.job_description,
    )


def build_spec(
    session_dir: Path,
    setup: InterviewSetup,
    endpoint: Endpoint,
    stage_scale: float,
) -> dict[str, Any]:
    """The launch spec of a text interview in `session_dir` (named by its session id)."""
    record = SessionRecord(
        id=session_dir.name,
        user_id=USER_ID,
        created_at=time.time(),
        role=setup.role,
        track=setup.track,
        level=setup.level,
        mode="text",
        status="starting",
        session_dir=str(session_dir),
    )
    keys = ProviderKeys(
        openai_api_key=endpoint.api_key,
        openai_base_url=endpoint.base_url,
        openai_model=endpoint.model,
    )
    spec, _ = launch_spec(
        record,
        setup,
        keys,
        stage_limits=stage_limits(stage_scale),
        llm_timeout=LOCAL_LLM_TIMEOUT if nearby(endpoint.base_url) else None,
    )
    return spec


def write_meta(session_dir: Path, setup: InterviewSetup) -> None:
    """`meta.json` as the app writes it, so `python -m mockflow report` reads a kept run."""
    meta.write_meta(session_dir, session_meta(setup))
