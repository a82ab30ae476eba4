"""`ipbot serve`: build the settings from the environment and run the app under uvicorn."""

from __future__ import annotations

import logging
import os

import uvicorn

from app.settings import Settings

from .app import create_app
from .evaluation.records import Evaluator
from .settings import ServiceSettings


def serve(settings: Settings, *, host: str, port: int, evaluator: Evaluator | None = None) -> None:
    """Run the HTTP service until interrupted; a bad setting stops it here, naming the variable.

    `evaluator` runs the 评测 page's evaluations (the CLI passes `ipbot eval`'s)."""
    service_settings = ServiceSettings.from_env(os.environ, bot=settings)
    logging.getLogger().setLevel(logging.INFO)
    app = create_app(service_settings, evaluator=evaluator)
    # One process: rate limits and in-flight WeChat answers live in memory (dedupe is in SQLite).
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True, server_header=False)
