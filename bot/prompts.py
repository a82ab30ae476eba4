"""Prompt templates kept as TOML data files in prompts/, loaded once at start-up and checked."""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from core.errors import ConfigError

FIELDS = ("name", "description", "template", "variables")


@dataclass(frozen=True)
class Prompt:
    """One prompt template and the variables it is rendered with."""

    name: str
    description: str
    template: str
    variables: tuple[str, ...]
    source: Path

    def render(self, **values: str) -> str:
        """The template with every declared variable filled in."""
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise ConfigError(f"{self.source}: render() is missing variable {missing[0]!r}; pass {missing}")
        unknown = [name for name in values if name not in self.variables]
        if unknown:
            raise ConfigError(
                f"{self.source}: render() got unknown variable {unknown[0]!r}; "
                f"the prompt declares {list(self.variables)}"
            )
        return self.template.format(**values)


@dataclass(frozen=True)
class Prompts:
    """Every prompt ipbot uses, one attribute per file <attribute>.toml."""

    answer_system: Prompt
    answer_user: Prompt
    rewrite: Prompt
    refusal: Prompt
    greeting: Prompt
    figure_not_stated: Prompt


def load_prompts(directory: Path) -> Prompts:
    """Load and check the file of every prompt in ``Prompts`` from ``directory``."""
    loaded = {f.name: load_prompt(directory / f"{f.name}.toml") for f in fields(Prompts)}
    return Prompts(**loaded)


def load_prompt(path: Path) -> Prompt:
    """Load one prompt file; surrounding blank lines of its template are dropped."""
    data = _read(path)
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ConfigError(f"{path}: unknown field {unknown[0]!r}; a prompt file has only {', '.join(FIELDS)}")
    missing = [name for name in FIELDS if name not in data]
    if missing:
        raise ConfigError(f"{path}: missing field {missing[0]!r}; add it next to the others")
    name, description, template, variables = (data[name] for name in FIELDS)
    if not (isinstance(name, str) and isinstance(description, str) and isinstance(template, str)):
        raise ConfigError(f"{path}: fields 'name', 'description' and 'template' must be strings")
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise ConfigError(f"{path}: field 'variables' must be a list of names, such as [\"question\"]")
    if name != path.stem:
        raise ConfigError(f"{path}: field 'name' is {name!r}; it must match the file name {path.stem!r}")
    _check_placeholders(path, template, variables)
    return Prompt(name, description, template.strip(), tuple(variables), path)


def _read(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: prompt file is missing; create it with fields {', '.join(FIELDS)}"
        ) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the prompt file: {exc}") from exc


def _check_placeholders(path: Path, template: str, variables: list[str]) -> None:
    """Every {placeholder} is a plain declared name and every declared variable is used."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ConfigError(
            f"{path}: template is not a valid format string ({exc}); write literal braces as {{{{ }}}}"
        ) from exc
    used: list[str] = []
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise ConfigError(f"{path}: placeholder {{{field}}} must be a plain {{name}} from 'variables'")
        if field not in variables:
            raise ConfigError(
                f"{path}: placeholder {{{field}}} uses variable {field!r} not declared in 'variables'"
            )
        used.append(field)
    unused = [name for name in variables if name not in used]
    if unused:
        raise ConfigError(
            f"{path}: variable {unused[0]!r} is declared in 'variables' but not used in 'template'"
        )
