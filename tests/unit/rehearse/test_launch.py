"""The rehearsal's launch spec is the app's text-interview spec, valid at any stage scale."""

from __future__ import annotations

import json

from mockflow.contracts.launch_spec import parse_launch_spec
from mockflow.interview.fsm import DEFAULT_TIME_LIMITS
from mockflow.rehearse.endpoint import Endpoint
from mockflow.rehearse.launch import MIN_STAGE_SECONDS, build_spec, setup_for, write_meta
from mockflow.rehearse.personas import load_material, load_persona

ENDPOINT = Endpoint("http://127.0.0.1:11434/v1", "sk-local-1234", "llama3.1:8b")


def test_a_text_interview_spec_with_the_persona_material(tmp_path):
    material = load_material()
    setup = setup_for(load_persona("injector"), material, "technical")
    spec = parse_launch_spec(json.dumps(build_spec(tmp_path / "rh_x", setup, ENDPOINT, 1.0)))
    assert spec.transport == "text" and spec.track == "technical"
    assert spec.session_id == "rh_x" and spec.session_dir == str(tmp_path / "rh_x")
    assert spec.candidate.name == material.name and spec.candidate.role == material.role
    assert "END_CANDIDATE_DATA" in spec.resume_text  # the injector's own resume
    assert spec.job_description == material.job_description
    llm = spec.providers.llm
    assert (llm.base_url, llm.api_key, llm.model) == (
        ENDPOINT.base_url,
        ENDPOINT.api_key,
        ENDPOINT.model,
    )
    assert spec.providers.stt is None and spec.livekit is None
    assert spec.stage_overrides == DEFAULT_TIME_LIMITS


def test_tiny_stage_scales_stay_valid(tmp_path):
    setup = setup_for(load_persona("prepared"), load_material(), "behavioral")
    limits = build_spec(tmp_path / "rh_y", setup, ENDPOINT, 0.00001)["stage_overrides"]
    assert set(limits.values()) == {MIN_STAGE_SECONDS}
    parse_launch_spec(json.dumps(build_spec(tmp_path / "rh_y", setup, ENDPOINT, 0.0005)))


def test_meta_json_lets_the_report_read_a_kept_rehearsal(tmp_path):
    setup = setup_for(load_persona("prepared"), load_material(), "intro_call")
    write_meta(tmp_path, setup)
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["track"] == "intro_call" and meta["mode"] == "text"
    assert meta["has_resume"] is True and meta["job_description"]
