"""Who is calling the named API: the local user in local mode; behind a public link,
only a user_token this server issued names a user."""

from __future__ import annotations

import gradio as gr

from mockflow.contracts.ids import LOCAL_USER_ID, new_browser_id
from mockflow.ui.services import AppServices


def api_user(services: AppServices, user_token: str | None, *, mint: bool = False) -> str:
    if not services.settings.public:
        return LOCAL_USER_ID
    user_id = services.credentials.user_of(user_token)
    if user_id is not None:
        return user_id
    if mint and not user_token:
        return new_browser_id()
    raise gr.Error("This user_token is not valid: pass the one start_interview returned.")
