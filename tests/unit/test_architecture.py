"""The layout's promises, checked on the source: dependencies point one way, tools stay out of the runtime."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "vectorstore", "ingest", "bot", "quality", "app", "cli", "service")


def imports_of(path: Path) -> set[str]:
    """Top-level ipbot packages a module imports (anywhere in it, function bodies included)."""
    found: set[str] = set()
    package = path.relative_to(ROOT).parts[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(package if node.level else (node.module or "").split(".")[0])
    return found & set(PACKAGES)


def modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


# What each package may import besides itself.
ALLOWED = {
    "core": set(),
    "vectorstore": {"core"},
    "ingest": {"core", "vectorstore"},
    "bot": {"core", "vectorstore"},
    "quality": {"core", "vectorstore", "ingest", "bot"},
    "app": {"core", "vectorstore", "bot"},
    "service": {"core", "vectorstore", "ingest", "bot", "app"},
    "cli": {"core", "vectorstore", "ingest", "bot", "app", "quality", "service"},
}


@pytest.mark.parametrize("path", modules(*PACKAGES), ids=lambda p: str(p.relative_to(ROOT)))
def test_dependencies_point_one_way(path: Path) -> None:
    package = path.relative_to(ROOT).parts[0]
    stray = imports_of(path) - ALLOWED[package] - {package}
    assert not stray, f"{path.relative_to(ROOT)} imports {sorted(stray)}"


def test_the_running_service_never_imports_the_evaluation_tools() -> None:
    runtime = [*modules("core", "vectorstore", "ingest", "bot", "app", "service"), ROOT / "server.py"]
    offenders = [str(p.relative_to(ROOT)) for p in runtime if "quality" in imports_of(p)]
    assert offenders == []


def test_the_check_sees_imports_inside_functions() -> None:
    assert imports_of(ROOT / "cli" / "main.py") >= {"quality", "service", "app"}
