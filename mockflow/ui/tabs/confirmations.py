"""Skip's and End's confirmations: a question and two buttons under the one that asked,
shown where the user is looking (scrolled into view, the safe answer focused), and the
"ending…" state that End shows at once while the interviewer is stopped.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import gradio as gr

from mockflow.ui.live import LiveView
from mockflow.ui.stage_bar import stage_bar_html

# Run in the browser once a reply has shown something: Gradio draws it a moment later,
# so wait for it (a few seconds at most), then scroll it into view and focus a button.
_INTO_VIEW = """() => {
  const until = Date.now() + 5000;
  const look = () => {
    const shown = document.getElementById(%s);
    if (shown && shown.getClientRects().length) {
      shown.scrollIntoView({ block: "nearest" });
      if (%s) shown.querySelector(%s)?.focus({ preventScroll: true });
    } else if (Date.now() < until) {
      requestAnimationFrame(look);
    }
  };
  look();
}"""


def into_view_js(elem_id: str, focus: str = "") -> str:
    """Browser code that brings `elem_id` into view once shown, then focuses the element
    inside it that `focus` (a CSS selector) names, if any."""
    return _INTO_VIEW % (json.dumps(elem_id), json.dumps(bool(focus)), json.dumps(focus))


@dataclass
class Confirmation:
    row: gr.Row
    yes: gr.Button
    no: gr.Button

    @property
    def elem_id(self) -> str:
        return str(self.row.elem_id)


def build_confirmation(
    elem_id: str, question: str, yes: str, variant: str = "primary"
) -> Confirmation:
    """A hidden row: the question, the yes button (`{elem_id}-yes`), then "Keep going"
    (`{elem_id}-no`)."""
    with gr.Row(visible=False, elem_id=elem_id, elem_classes="mf-confirm") as row:
        gr.Markdown(question)
        yes_button = gr.Button(yes, variant=variant, elem_id=f"{elem_id}-yes")  # type: ignore[arg-type]
        no_button = gr.Button("Keep going", elem_id=f"{elem_id}-no")
    return Confirmation(row, yes_button, no_button)


def wire_confirmation(ask: gr.Button, confirmation: Confirmation) -> None:
    """`ask` shows the row and brings it into view; "Keep going" hides it."""
    # "Keep going" is focused: Enter or Space right after the ask changes nothing
    focus = f"#{confirmation.elem_id}-no"
    ask.click(lambda: gr.Row(visible=True), None, confirmation.row).then(
        None, None, None, js=into_view_js(confirmation.elem_id, focus)
    )
    confirmation.no.click(lambda: gr.Row(visible=False), None, confirmation.row)


def begin_ending(view: LiveView | None) -> dict[str, Any]:
    """End was confirmed: at once, before the interviewer is stopped (which takes a few
    seconds), the bar says "ending…" with its clock stopped and every action is off."""
    off = gr.Button(interactive=False)
    shown: dict[str, Any] = {"end_confirm_row": gr.Row(visible=False), "skip": off, "end": off}
    if view is None or view.ended is not None:
        return shown
    view.ending_t = time.time()
    return {**shown, "send": off, "stage_bar": stage_bar_html(view)}
