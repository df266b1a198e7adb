"""Saved setups in the Setup tab: save the current setup under a name, load it back.

The resume text is not saved with a setup (it is personal and re-uploaded on purpose);
role, level, track, length, mode, turn-taking and the job description are.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import gradio as gr

from mockflow.app.setup import SAVED_FIELDS, setup_from_dict
from mockflow.app.text_limits import clean_field, too_long
from mockflow.ui.common import require_user
from mockflow.ui.services import AppServices


def template_choices(services: AppServices, user_id: str | None) -> Any:
    if not user_id:
        return gr.Dropdown(choices=[])
    names = [t.name for t in services.store.list_templates(user_id)]
    return gr.Dropdown(choices=names, value=None)


def save_template(services: AppServices, user_id: str | None, name: str, *values: Any) -> Any:
    user = require_user(user_id)
    name = clean_field("template_name", name).strip()
    if not name:
        raise gr.Error("Give the setup a name first, e.g. “Acme backend, senior”.")
    if message := too_long("template_name", name):
        raise gr.Error(message)
    cleaned = asdict(setup_from_dict(dict(zip(SAVED_FIELDS, values, strict=True))))
    setup = {field: cleaned[field] for field in SAVED_FIELDS}
    services.store.save_template(user, name, setup)
    names = [t.name for t in services.store.list_templates(user)]
    return gr.Dropdown(choices=names, value=name), f"✓ Saved “{name}”."


def load_template(services: AppServices, user_id: str | None, name: str | None) -> Any:
    """Values for the saved fields, in SAVED_FIELDS order, then a status line."""
    user = require_user(user_id)
    if not name:
        return (*(gr.skip(),) * len(SAVED_FIELDS), "")
    setup = services.store.get_template(user, name).setup
    values = [setup.get(field, gr.skip()) for field in SAVED_FIELDS]
    return (*values, f"Loaded “{name}”.")
