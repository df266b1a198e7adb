"""Composes the tabs into one Blocks app and wires their events (no logic here)."""

from __future__ import annotations

from importlib import resources

import gradio as gr

from mockflow.ui.api import register_api
from mockflow.ui.common import (
    PROVIDER_CALLS,
    load_identity,
    load_identity_on_space,
    recovery_banner,
    tab_closed,
    user_errors,
    with_services,
)
from mockflow.ui.services import AppServices
from mockflow.ui.tabs import feedback as feedback_tab
from mockflow.ui.tabs import history as history_tab
from mockflow.ui.tabs import history_charts as progress_view
from mockflow.ui.tabs import interview_actions as actions
from mockflow.ui.tabs import settings as settings_tab
from mockflow.ui.tabs import setup as setup_tab
from mockflow.ui.tabs import setup_templates as templates_view
from mockflow.ui.tabs.interview import build_interview_tab, tick

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


def create_ui(services: AppServices) -> gr.Blocks:
    settings = services.settings
    bind = with_services
    # Gradio's cache (uploads) is emptied hourly of files over an hour old, and wholly at
    # start and stop; report downloads are streamed and never enter it
    with gr.Blocks(title="MockFlow: AI mock interviews", delete_cache=CACHE_CLEANUP) as demo:
        user = gr.State(None)
        # the browser keeps its signed credential (never a bare id); the secret only has to
        # be stable across restarts: the browser sees it, the credential's HMAC protects
        browser_id = gr.BrowserState(
            None, storage_key="mockflow_user", secret=services.browser_state_secret
        )
        view = gr.State(None)
        gr.Markdown(f"# MockFlow\n{TAGLINE}", elem_id="mf-title")
        recovered = gr.Markdown(visible=False, elem_classes="mf-notice", elem_id="mf-recovered")
        with gr.Tabs(selected="setup") as tabs:
            with gr.Tab("Setup", id="setup"):
                setup = setup_tab.build_setup_tab()
            with gr.Tab("Interview", id="interview"):
                interview = build_interview_tab(settings.livekit_client_url)
            with gr.Tab("Feedback", id="feedback") as feedback_page:
                feedback = feedback_tab.build_feedback_tab()
            with gr.Tab("History", id="history") as history_page:
                history = history_tab.build_history_tab()
            with gr.Tab("Settings", id="settings"):
                keys = settings_tab.build_settings_tab()
        register_api(services)

        render_outputs = [
            interview.stage_bar,
            interview.chat,
            interview.timer,
            interview.skip,
            interview.end,
            interview.send,
            setup.start,
            setup.running_note,
            interview.see_feedback,
        ]

        # page load: who is this, and is an interview of theirs still running?
        if settings.hf_oauth:
            gr.LoginButton(value="Sign in with Hugging Face to keep your history across devices")
            who = with_services(load_identity_on_space, services)
        else:
            who = with_services(load_identity, services)
        load = demo.load(who, [browser_id], [user, browser_id])
        demo.unload(with_services(tab_closed, services))
        load.then(bind(recovery_banner, services), [user], [recovered])
        load.then(
            bind(actions.reattach, services),
            [user],
            [view, tabs, interview.text_row, interview.room, *render_outputs],
        )
        load.then(
            bind(setup_tab.keys_notice, services),
            [user, setup.mode],
            [setup.keys_notice, setup.open_settings],
        )
        load.then(
            bind(settings_tab.show_settings, services),
            [user],
            [*keys.ordered_inputs(), keys.stored],
        )
        load.then(
            bind(history_tab.show_history, services),
            [user],
            [history.table, history.session_ids, history.selected, history.open, history.delete],
        )

        # setup
        summary_inputs = setup.fields
        for field in summary_inputs:
            if hasattr(field, "change"):
                field.change(
                    setup_tab.summarize, summary_inputs, setup.summary, show_progress="hidden"
                )
        demo.load(setup_tab.summarize, summary_inputs, setup.summary)
        setup.mode.change(lambda m: gr.Radio(visible=m == "voice"), setup.mode, setup.patience)
        setup.mode.change(
            bind(setup_tab.keys_notice, services),
            [user, setup.mode],
            [setup.keys_notice, setup.open_settings],
        )
        setup.resume_file.upload(
            bind(setup_tab.read_resume, services),
            setup.resume_file,
            [setup.resume_text, setup.resume_status],
            api_name="read_resume",
        )
        setup.resume_file.clear(
            lambda: ("", setup_tab.NO_RESUME), None, [setup.resume_text, setup.resume_status]
        )
        load.then(bind(templates_view.template_choices, services), [user], setup.templates)
        setup.save_template.click(
            user_errors(bind(templates_view.save_template, services)),
            [user, setup.template_name, *setup.saved_fields],
            [setup.templates, setup.template_status],
        )
        setup.templates.input(
            user_errors(bind(templates_view.load_template, services)),
            [user, setup.templates],
            [*setup.saved_fields, setup.template_status],
        )
        setup.open_settings.click(lambda: gr.Tabs(selected="settings"), None, tabs)
        setup.start.click(
            user_errors(bind(actions.start_interview, services)),
            [user, *setup.fields],
            [
                view,
                setup.name_error,
                setup.role_error,
                setup.start_error,
                tabs,
                interview.text_row,
                interview.room,
                *render_outputs,
            ],
        )

        # interview
        interview.timer.tick(
            tick,
            [view],
            [*render_outputs, interview.room],
            show_progress="hidden",
            concurrency_limit=None,  # never queued behind anything
        )
        answer = user_errors(bind(actions.send_answer, services))
        for trigger in (interview.send.click, interview.answer.submit):
            trigger(
                answer,
                [user, view, interview.answer],
                [interview.answer, interview.message, *render_outputs],
            )
        interview.skip.click(lambda: actions.confirm_row(True), None, interview.skip_confirm_row)
        interview.skip_no.click(
            lambda: actions.confirm_row(False), None, interview.skip_confirm_row
        )
        interview.skip_yes.click(
            user_errors(bind(actions.skip_stage, services)),
            [user, view],
            interview.skip_confirm_row,
        )
        interview.end.click(lambda: actions.confirm_row(True), None, interview.end_confirm_row)
        interview.end_no.click(lambda: actions.confirm_row(False), None, interview.end_confirm_row)
        interview.end_yes.click(
            user_errors(bind(actions.end_interview, services)),
            [user, view],
            [interview.end_confirm_row, interview.room, *render_outputs],
        )
        interview.room.change(
            user_errors(bind(actions.room_report, services)),
            [user, view, interview.room],
            interview.message,
        )

        # feedback and history
        show = user_errors(bind(feedback_tab.show_feedback, services))
        feedback_outputs = [
            feedback.facts,
            feedback.generate,
            feedback.report,
            feedback.transcript,
            feedback.downloads,
        ]
        feedback_page.select(show, [user, feedback.session_id], feedback_outputs)
        interview.see_feedback.click(lambda: gr.Tabs(selected="feedback"), None, tabs).then(
            show, [user, feedback.session_id], feedback_outputs
        )
        feedback.generate.click(
            user_errors(bind(feedback_tab.generate_feedback, services)),
            [user, feedback.session_id],
            feedback_outputs,
            **PROVIDER_CALLS,
        )
        feedback.sample.click(feedback_tab.show_sample, None, feedback_outputs)
        view.change(lambda v: v.session_id if v else None, view, feedback.session_id)
        feedback.session_id.change(show, [user, feedback.session_id], feedback_outputs)
        history.refresh.click(
            bind(history_tab.show_history, services),
            [user],
            [history.table, history.session_ids, history.selected, history.open, history.delete],
        )
        history.table.select(
            history_tab.select_row,
            [history.session_ids],
            [history.selected, history.open, history.delete],
        )
        history.open.click(
            lambda s: (s, gr.Tabs(selected="feedback")),
            history.selected,
            [feedback.session_id, tabs],
        )
        history.delete.click(
            user_errors(bind(history_tab.delete_session, services)),
            [user, history.selected],
            [
                history.table,
                history.session_ids,
                history.selected,
                history.message,
                history.open,
                history.delete,
            ],
        )

        progress_outputs = [
            history.progress_note,
            history.score_plot,
            history.delivery_plot,
            history.first,
            history.second,
        ]
        history_page.select(bind(progress_view.progress_view, services), [user], progress_outputs)
        history_page.select(
            bind(history_tab.show_history, services),
            [user],
            [history.table, history.session_ids, history.selected, history.open, history.delete],
        )
        history.refresh.click(bind(progress_view.progress_view, services), [user], progress_outputs)
        history.compare.click(
            user_errors(bind(progress_view.compare, services)),
            [user, history.first, history.second],
            history.comparison,
        )

        # settings
        keys.save.click(
            user_errors(bind(settings_tab.save_settings, services)),
            [user, *keys.ordered_inputs()],
            keys.message,
        ).then(
            bind(settings_tab.show_settings, services),
            [user],
            [*keys.ordered_inputs(), keys.stored],
        ).then(
            bind(setup_tab.keys_notice, services),
            [user, setup.mode],
            [setup.keys_notice, setup.open_settings],
        )
        keys.check.click(
            user_errors(bind(settings_tab.check_keys, services)),
            [user],
            keys.results,
            **PROVIDER_CALLS,
        )
        keys.forget.click(
            user_errors(bind(settings_tab.forget_keys, services)), [user], keys.message
        ).then(
            bind(settings_tab.show_settings, services),
            [user],
            [*keys.ordered_inputs(), keys.stored],
        )
        keys.delete.click(
            user_errors(bind(settings_tab.delete_my_data, services)),
            [user, keys.delete_confirm],
            keys.message,
        ).then(
            bind(history_tab.show_history, services),
            [user],
            [history.table, history.session_ids, history.selected, history.open, history.delete],
        )
    # every listener runs concurrently (Gradio's default is one call at a time per listener,
    # across all users); calls that wait on a provider share a bounded pool of their own
    demo.queue(default_concurrency_limit=None, max_size=QUEUE_SIZE)
    return demo
