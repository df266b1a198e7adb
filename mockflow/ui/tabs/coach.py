"""Coach tab (shown to a coach only): create practice links, see each link's usage, and
open, compare, export and delete the reports candidates chose to share. Every rule is
the store's; this tab only shows what the store lets this coach see."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from mockflow.app.coaching import is_coach
from mockflow.ui.services import AppServices
from mockflow.ui.tabs.coach_form import LinkForm, build_link_form, form_inputs
from mockflow.ui.tabs.coach_views import (
    NO_LINKS,
    create_link,
    delete_link,
    open_report,
    remove_report,
    show_link,
    show_links,
)
from mockflow.ui.tabs.practice import practice_id_of

if TYPE_CHECKING:
    from mockflow.ui.page import Page

INVITE_QUERY = "coach_invite"
# the invite leaves the address bar (and the browser's history) once it has been read
FORGET_INVITE_JS = """() => {
  const url = new URL(window.location.href);
  if (url.searchParams.has('coach_invite')) {
    url.searchParams.delete('coach_invite');
    window.history.replaceState(null, '', url);
  }
}"""


@dataclass
class CoachTab:
    form: LinkForm
    create: gr.Button
    created: gr.Markdown
    link_url: gr.Textbox
    links: gr.Dropdown
    usage: gr.Markdown
    compare: gr.HTML
    reports: gr.Dropdown
    open_report: gr.Button
    remove_report: gr.Button
    delete_link: gr.Button
    delete_row: gr.Row
    delete_yes: gr.Button
    delete_no: gr.Button
    exports: gr.HTML
    report: gr.Markdown


def build_coach_tab() -> CoachTab:
    parts: dict[str, Any] = {}
    gr.Markdown(
        "### Practice links\nSet an interview once and send its link to your clients: they "
        "see it filled in and locked, add their name, and practise. You see a report only "
        "when a client chooses to share it.",
        elem_id="mf-coach-intro",
    )
    with gr.Accordion("New practice link", open=True):
        parts["form"] = build_link_form()
        parts["create"] = gr.Button("Create practice link", variant="primary")
        parts["created"] = gr.Markdown(elem_id="mf-coach-created")
        parts["link_url"] = gr.Textbox(
            label="Link to send", visible=False, buttons=["copy"], elem_id="mf-coach-link"
        )
    gr.Markdown("### Your links", elem_id="mf-coach-links-title")
    parts["links"] = gr.Dropdown(label="Practice link", choices=[], elem_id="mf-coach-links")
    parts["usage"] = gr.Markdown(NO_LINKS, elem_id="mf-coach-usage")
    parts["delete_link"] = gr.Button("Delete this link", size="sm", variant="stop")
    with gr.Row(visible=False) as parts["delete_row"]:
        gr.Markdown(
            "Delete this link? It stops working, and its shared reports leave your console."
        )
        parts["delete_yes"] = gr.Button("Yes, delete the link", variant="stop", size="sm")
        parts["delete_no"] = gr.Button("Keep it", size="sm")
    gr.Markdown("### Reports shared with you on this link")
    parts["compare"] = gr.HTML(elem_id="mf-coach-compare")
    with gr.Row(equal_height=True):
        parts["reports"] = gr.Dropdown(label="Shared report", choices=[], scale=3)
        parts["open_report"] = gr.Button("Open", scale=1)
        parts["remove_report"] = gr.Button("Delete from my console", scale=1, variant="stop")
    parts["exports"] = gr.HTML(elem_id="mf-coach-exports")
    parts["report"] = gr.Markdown(elem_id="mf-coach-report")
    return CoachTab(**parts)


def redeem_invite(services: AppServices, user_id: str | None, request: gr.Request) -> Any:
    """Page load with `?coach_invite=…` (the admin link the app printed on its console,
    public mode): this visitor becomes the coach, once. Then the Coach tab's visibility."""
    params = getattr(request, "query_params", None) or {}
    token = params.get(INVITE_QUERY)
    offered = services.settings.public and user_id and isinstance(token, str) and token
    if offered and not services.store.redeem_coach_invite(str(user_id), str(token).strip()):
        gr.Warning("This coach link is not valid. It works once; restart the app for a new one.")
    return coach_tab_visible(services, user_id, request)


def coach_tab_visible(
    services: AppServices,
    user_id: str | None,
    request: gr.Request | None = None,
) -> Any:
    """The Coach tab, only where it is useful: never on a practice link's page (that
    visitor is a candidate); on a public link to its coaches; on one's own machine once
    one has made a practice link (before that, Settings offers the tab)."""
    if not user_id or practice_id_of(request):
        return gr.update(visible=False)
    if services.settings.public:
        shown = is_coach(services.settings, services.store, str(user_id))
    else:
        shown = bool(services.store.coach_links(str(user_id)))
    return gr.update(visible=shown)


FULL_URL_JS = """(value) => (value && value.startsWith('?'))
    ? window.location.origin + window.location.pathname + value : value"""


def wire(page: Page) -> None:
    coach, guarded = page.coach, page.guarded
    page.load.then(page.bind(redeem_invite), [page.user], page.coach_page).then(
        None, js=FORGET_INVITE_JS
    )
    shown = _outputs(page)
    page.coach_page.select(_keyed(page, guarded(show_links)), [page.user, coach.links], shown)
    coach.create.click(
        _keyed(page, guarded(create_link)),
        [page.user, *form_inputs(coach.form)],
        _outputs(page, "created", "link_url"),
    ).then(None, coach.link_url, coach.link_url, js=FULL_URL_JS)
    coach.links.input(_keyed(page, guarded(show_link)), [page.user, coach.links], shown)
    picked = [page.user, coach.links, coach.reports]
    coach.open_report.click(_keyed(page, guarded(open_report)), picked, shown)
    coach.remove_report.click(_keyed(page, guarded(remove_report)), picked, shown)
    coach.delete_link.click(lambda: gr.Row(visible=True), None, coach.delete_row)
    coach.delete_no.click(lambda: gr.Row(visible=False), None, coach.delete_row)
    coach.delete_yes.click(
        _keyed(page, guarded(delete_link)),
        [page.user, coach.links],
        _outputs(page, "created", "link_url", "delete_row"),
    )


def _outputs(page: Page, *extra: str) -> list[Any]:
    names = ["links", "usage", "compare", "reports", "exports", "report", *extra]
    return [getattr(page.coach, name) for name in names]


def _keyed(page: Page, fn: Any) -> Any:
    """A handler returning {name: value} for this tab's components, as Gradio wants it."""

    def keyed(*args: Any, **kwargs: Any) -> dict[Any, Any]:
        return {getattr(page.coach, k): v for k, v in fn(*args, **kwargs).items()}

    keyed.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]
    keyed.__annotations__ = getattr(fn, "__annotations__", {})
    return keyed
