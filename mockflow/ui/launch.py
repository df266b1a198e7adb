"""Composition root of the app: settings → services → UI → launch (contracts in DESIGN.md).

`python app.py` in a checkout (and on a Space), `mockflow app` or `python -m mockflow app`
once installed."""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.middleware import Middleware

from mockflow.config import Settings
from mockflow.errors import MockflowError
from mockflow.private_files import make_private_dir

if TYPE_CHECKING:
    from mockflow.store.db import Store


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="mockflow app", description="MockFlow: AI mock interviews"
    )
    parser.add_argument("--host", help="address to bind (default 127.0.0.1; 0.0.0.0 on a Space)")
    parser.add_argument("--port", type=int, help="port (default 7860)")
    parser.add_argument("--share", action="store_true", help="public link (public-link mode)")
    return parser.parse_args(argv)


def use_cache_dir(directory: Path, *, ours: bool) -> None:
    """Gradio keeps uploads under GRADIO_TEMP_DIR; by default a private folder in the data
    dir (an operator's own choice of folder keeps its permissions)."""
    if ours:
        make_private_dir(directory)  # the data folder too, when this creates it
    else:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ["GRADIO_TEMP_DIR"] = str(directory.resolve())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = Settings.from_env(dotenv=Path(".env"))
        if args.share:
            settings = settings.with_overrides(public=True)
        logging.basicConfig(
            level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
        from mockflow.redaction import install_on_root_handlers

        install_on_root_handlers()  # no URL credential in the app log, whoever logs it
        if hasattr(signal, "SIGUSR1"):  # `kill -USR1 <pid>`: every thread's stack to the log
            faulthandler.register(signal.SIGUSR1, all_threads=True)
        # before Gradio is imported: it reads the variable then
        use_cache_dir(settings.upload_cache_dir, ours=settings.gradio_temp_dir is None)
        from mockflow.ui.api import health_route
        from mockflow.ui.app import app_css, app_js, app_theme, create_ui
        from mockflow.ui.downloads import report_route, shared_route
        from mockflow.ui.livekit_js import fetch_in_background
        from mockflow.ui.rate_limit import rate_limit_middleware
        from mockflow.ui.security import SecurityHeaders, content_security_policy
        from mockflow.ui.services import build_services
        from mockflow.ui.upload_gate import UploadGate, UploadGuard
        from mockflow.ui.uploads import UploadRecorder

        services = build_services(settings, os.environ)
        # signs the visitor passes (own prefix): uploads and the request rate use them
        upload_gate = UploadGate.build(settings, services.credentials.key)
        fetch_in_background(settings)  # the voice room's script, if the install has none
    except MockflowError as exc:
        print(f"mockflow: {exc}", file=sys.stderr)
        return 2
    _print_coach_invite(settings, services.store)
    # SIGTERM (kill, systemd, docker stop) ends the app as Ctrl+C does, so the finally
    # below stops its children: interviewers, the local LiveKit server, local models
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        create_ui(services).launch(
            server_name=args.host or settings.host,
            server_port=args.port or settings.port,
            share=args.share,
            css=app_css(),
            js=app_js(),
            theme=app_theme(),
            show_error=False,
            max_file_size=f"{settings.max_upload_mb:g}mb",
            app_kwargs={
                "routes": [
                    health_route(services),
                    report_route(services, services.downloads),
                    shared_route(services, services.downloads),
                ],
                "middleware": [
                    Middleware(
                        SecurityHeaders, policy=content_security_policy(settings.livekit_client_url)
                    ),
                    *rate_limit_middleware(
                        settings.request_rate,
                        public=settings.public,
                        behind_proxy=settings.on_space,
                        visitor_of=upload_gate.passes.visitor_of,
                    ),
                    # who may upload, how much, and whether it fits (before Gradio stores it)
                    Middleware(UploadGuard, gate=upload_gate),
                    Middleware(
                        UploadRecorder, ledger=services.uploads, behind_proxy=settings.on_space
                    ),
                ],
            },
            allowed_paths=[p for p in [settings.livekit_client_path] if p],
        )
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _print_coach_invite(settings: Settings, store: Store) -> None:
    """Behind a public link, a one-time coach admin link on this console only: whoever
    opens it runs the practice links. A Space names its coaches in MOCKFLOW_COACHES
    instead: its logs are not this private."""
    if settings.public and not settings.on_space:
        invite = store.invite_coach()
        print(
            "mockflow: coach admin link (works once): open this app's address with "
            f"/?coach_invite={invite} added, or call /become_coach with invite={invite}",
            flush=True,
        )
