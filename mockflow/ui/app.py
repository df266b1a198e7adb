"""Composes the tabs into one Blocks app and wires their events (no logic here)."""

from __future__ import annotations

from importlib import resources

import gradio as gr

from mockflow.ui.api import ENDPOINTS, register_api
from mockflow.ui.common import (
    load_identity,
    load_identity_on_space,
    recovery_banner,
    tab_closed,
    with_services,
)
from mockflow.ui.page import Page
from mockflow.ui.services import AppServices
from mockflow.ui.tabs import coach as coach_tab
from mockflow.ui.tabs import feedback as feedback_tab
from mockflow.ui.tabs import history as history_tab
from mockflow.ui.tabs import interview as interview_tab
from mockflow.ui.tabs import practice as practice_tab
from mockflow.ui.tabs import settings as settings_tab
from mockflow.ui.tabs import setup as setup_tab

QUEUE_SIZE = 512
CACHE_CLEANUP = (3600, 3600)  # (every, older than) seconds
TAGLINE = (
    "Practise real interviews with an AI interviewer, by voice or text, and get an honest "
    "report: numbers measured from what you said, and quotes you really said."
)


def app_theme() -> gr.themes.Base:
    """Indigo on white with dark, high-contrast action colours (WCAG AA for text)."""
    return gr.themes.Default(
        primary_hue=gr.themes.colors.indigo, neutral_hue=gr.themes.colors.slate
    ).set(
        button_primary_background_fill="#3730a3",
        button_primary_background_fill_hover="#312e81",
        button_primary_text_color="#ffffff",
        button_cancel_background_fill="#b91c1c",
        button_cancel_background_fill_hover="#991b1b",
        button_cancel_text_color="#ffffff",
    )


def app_css() -> str:
    return resources.files("mockflow.ui").joinpath("static", "mockflow.css").read_text("utf-8")


def app_js() -> str:
    """Run once on page load: radio groups that answer the arrow keys."""
    return resources.files("mockflow.ui").joinpath("static", "radio_groups.js").read_text("utf-8")


def create_ui(services: AppServices) -> gr.Blocks:
    # Gradio's cache (uploads) is emptied hourly of files over an hour old, and wholly at
    # start and stop; report downloads are streamed and never enter it
    with gr.Blocks(title="MockFlow: AI mock interviews", delete_cache=CACHE_CLEANUP) as demo:
        page = _layout(demo, services)
        register_api(services)  # first: the documented endpoints keep their plain names
        tabs = (setup_tab, practice_tab, interview_tab, feedback_tab, history_tab, settings_tab)
        for tab in (*tabs, coach_tab):
            tab.wire(page)
        _only_documented_endpoints(demo)
    # every listener runs concurrently (Gradio's default is one call at a time per listener,
    # across all users); calls that wait on a provider share a bounded pool of their own
    demo.queue(default_concurrency_limit=None, max_size=QUEUE_SIZE)
    return demo


def _only_documented_endpoints(demo: gr.Blocks) -> None:
    """The page's own listeners are not public API: "Use via API" and gradio_client see
    only the documented endpoints (`ui.api.ENDPOINTS`). The resume upload listener stays
    callable, undocumented: it guards itself (it reads only its own page's upload)."""
    for fn in demo.fns.values():
        if fn.api_name == "read_resume":
            fn.api_visibility = "undocumented"
        elif fn.api_name not in ENDPOINTS:
            fn.api_visibility = "private"


def _layout(demo: gr.Blocks, services: AppServices) -> Page:
    """The page's components, then the page-load event that finds out who the user is."""
    user = gr.State(None)
    # the browser keeps its signed credential (never a bare id); the secret only has to
    # be stable across restarts: the browser sees it, the credential's HMAC protects
    browser_id = gr.BrowserState(
        None, storage_key="mockflow_user", secret=services.browser_state_secret
    )
    view = gr.State(None)
    practice = gr.State(None)  # the coach's practice link of this page, if any
    gr.Markdown(f"# MockFlow\n{TAGLINE}", elem_id="mf-title")
    recovered = gr.Markdown(visible=False, elem_classes="mf-notice", elem_id="mf-recovered")
    with gr.Tabs(selected="setup", overflow_behavior="wrap") as tabs:
        with gr.Tab("Setup", id="setup"):
            setup = setup_tab.build_setup_tab(services.browser_state_secret)
        with gr.Tab("Interview", id="interview"):
            interview = interview_tab.build_interview_tab(services.settings.livekit_client_url)
        with gr.Tab("Feedback", id="feedback") as feedback_page:
            feedback = feedback_tab.build_feedback_tab()
        with gr.Tab("History", id="history") as history_page:
            history = history_tab.build_history_tab()
        with gr.Tab("Settings", id="settings"):
            keys = settings_tab.build_settings_tab()
        with gr.Tab("Coach", id="coach", visible=False) as coach_page:
            coach = coach_tab.build_coach_tab()
    # page load: who is this (and, in the tabs' wiring, what of theirs to show)
    if services.settings.hf_oauth:
        gr.LoginButton(value="Sign in with Hugging Face to keep your history across devices")
        who = with_services(load_identity_on_space, services)
    else:
        who = with_services(load_identity, services)
    load = demo.load(who, [browser_id], [user, browser_id])
    demo.unload(with_services(tab_closed, services))
    load.then(with_services(recovery_banner, services), [user], [recovered])
    return Page(
        services, demo, user, view, tabs, setup, interview, feedback, feedback_page,
        history, history_page, keys, coach, coach_page, practice, load,
    )  # fmt: skip
