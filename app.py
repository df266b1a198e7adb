"""Composition root of the app: settings → services → UI → launch (contracts in DESIGN.md)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from mockflow.config import Settings
from mockflow.errors import MockflowError


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="MockFlow: AI mock interviews")
    parser.add_argument("--host", help="address to bind (default 127.0.0.1; 0.0.0.0 on a Space)")
    parser.add_argument("--port", type=int, help="port (default 7860)")
    parser.add_argument("--share", action="store_true", help="public link (public-link mode)")
    return parser.parse_args(argv)


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
        from mockflow.ui.api import health_route
        from mockflow.ui.app import app_css, app_theme, create_ui
        from mockflow.ui.services import build_services

        services = build_services(settings, os.environ)
    except MockflowError as exc:
        print(f"mockflow: {exc}", file=sys.stderr)
        return 2
    try:
        create_ui(services).launch(
            server_name=args.host or settings.host,
            server_port=args.port or settings.port,
            share=args.share,
            css=app_css(),
            theme=app_theme(),
            show_error=False,
            app_kwargs={"routes": [health_route(services)]},
            allowed_paths=[p for p in [settings.livekit_client_path] if p],
        )
    finally:
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
