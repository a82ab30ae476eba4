"""The staff console's templates and static files (htmx, styles, API-docs assets), served by service/."""

from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
