"""Composition root of the app: settings → services → UI → launch.

The full interview UI lands with the UI issue; until then this serves a page that says
what works today (text interviews through `agent_entry.py`, the CLI).
"""

from __future__ import annotations

import argparse

import gradio as gr

from mockflow import __version__
from mockflow.config import Settings


def build_ui(settings: Settings) -> gr.Blocks:
    with gr.Blocks(title="MockFlow") as demo:
        gr.Markdown(
            f"# MockFlow {__version__}\n"
            "The interview screens are being built. Today you can run a text interview with "
            "`python agent_entry.py` (see the README) and read a report with "
            "`python -m mockflow report SESSION_DIR`."
        )
    return demo


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="MockFlow: AI mock interviews")
    parser.add_argument("--host", help="address to bind (default 127.0.0.1; 0.0.0.0 on a Space)")
    parser.add_argument("--port", type=int, help="port (default 7860)")
    parser.add_argument("--share", action="store_true", help="create a public Gradio link")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    if args.share:
        settings = settings.with_overrides(public=True)
    build_ui(settings).launch(
        server_name=args.host or settings.host,
        server_port=args.port or settings.port,
        share=args.share,
    )


if __name__ == "__main__":
    main()
