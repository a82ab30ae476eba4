"""What the console's TestClient tests share: a private data directory with two accounts, the app over it."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.settings import Settings
from service.app import create_app
from service.settings import ServiceSettings
from tests.cli_runner import run_cli

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ACCOUNTS = (("alice", "admin"), ("bob", "reviewer"))
PASSWORD = "correct-horse-9"  # both accounts'


def csrf_of(html: str) -> str:
    """The CSRF token of a console page's form."""
    found = CSRF.search(html)
    assert found is not None, "no csrf_token on the page"
    return found.group(1)


def log_in(client: TestClient, name: str = "alice", password: str = PASSWORD) -> Any:
    """Post the login form as a browser would (the token read from the login page); the response."""
    token = csrf_of(client.get("/console/login").text)
    return client.post("/console/login", data={"name": name, "password": password, "csrf_token": token})


def data_with_accounts(built: Path, folder: Path, password: str) -> Path:
    """A copy of the built corpus index in `folder`, with an admin (alice) and a reviewer (bob)."""
    target = folder / "data"
    shutil.copytree(built, target)
    for name, role in ACCOUNTS:
        result = run_cli(target, ["user", "add", name, "--role", role], stdin=password + "\n")
        assert result.returncode == 0 and name in result.stdout, result.stderr
    return target


@contextmanager
def console_client(data: Path, token: str, evaluator: Any = None, **extra: Any) -> Iterator[TestClient]:
    """The app over `data` with the console on, no rate limits and plain-HTTP cookies."""
    settings = ServiceSettings(
        bot=Settings(data_dir=data),
        admin_token=token,
        rate_per_ip=0,
        rate_per_user=0,
        console_secure_cookie=False,
        **extra,
    )
    with TestClient(create_app(settings, evaluator=evaluator), follow_redirects=False) as http:
        yield http
