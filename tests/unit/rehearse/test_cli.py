"""`python -m mockflow rehearse` refuses bad arguments in one line, before any network call."""

from __future__ import annotations

import pytest

from mockflow.__main__ import main as mockflow_main
from mockflow.rehearse.cli import main
from mockflow.rehearse.personas import persona_names


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--personas", "prepared,nobody"], "unknown persona 'nobody'"),
        (["--runs", "0"], "argument --runs: must be above 0: '0' (see --help)"),
        (["--stage-scale", "fast"], "argument --stage-scale: not a number: 'fast'"),
        (["--track", "sales"], "argument --track: invalid choice: 'sales'"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
        ([], "no model endpoint: pass --base-url"),
        (["--base-url", "localhost:11434"], "--base-url must start with http:// or https://"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(argv, message, capsys):
    assert main(argv, env={}) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("mockflow rehearse: ")
    assert message in lines[0]


def test_a_bad_setting_is_one_line_too(capsys):
    assert main(["--base-url", "http://x/v1"], env={"MOCKFLOW_STAGE_SCALE": "quick"}) == 2
    assert "MOCKFLOW_STAGE_SCALE must be a number" in capsys.readouterr().err


def test_the_personas_can_be_listed(capsys):
    assert main(["--list-personas"], env={}) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == list(persona_names())


def test_it_is_a_mockflow_command(capsys):
    assert mockflow_main(["rehearse", "--list-personas"]) == 0
    assert "early_exit:" in capsys.readouterr().out
    assert mockflow_main(["--help"]) == 0
    assert "rehearse [--base-url URL]" in capsys.readouterr().out
