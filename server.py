"""HTTP entry point: `ipbot serve`, or `uvicorn server:app` (built from the environment at start-up)."""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI

from app.settings import Settings
from app.threads import EmbedUse, Machine
from service.app import create_app
from service.settings import ServiceSettings

__all__ = ["app_from_env", "create_app"]


def app_from_env() -> FastAPI:
    """The app with settings read from the environment now (`uvicorn --factory server:app_from_env`)."""
    bot = Settings.from_env(os.environ).for_use(EmbedUse.SERVE, Machine.now())
    return create_app(ServiceSettings.from_env(os.environ, bot=bot))


def __getattr__(name: str) -> Any:
    # `uvicorn server:app` looks the attribute up at start-up: settings are built then, not at import.
    if name == "app":
        return app_from_env()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
