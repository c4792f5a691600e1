"""Prompt templates live as files in ``prompts/``; one function renders them.

Templates use ``{name}`` fields (``str.format`` syntax). Rendering fails when a
field is missing or unused values are passed, so a template and its caller
cannot drift apart silently.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

from rag.errors import ConfigError

_PACKAGE = Path(__file__).resolve().parent.parent
# The source tree keeps prompts/ at the top level; a built wheel ships them inside the package (rag/prompts).
PROMPTS_DIR = next(
    (p for p in (_PACKAGE.parent / "prompts", _PACKAGE / "prompts") if p.is_dir()), _PACKAGE.parent / "prompts"
)


@cache
def load(name: str) -> str:
    path = PROMPTS_DIR / f"{name}.txt"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"prompt template {path} is missing — restore it from the repository") from exc


def fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def render(name: str, **values: object) -> str:
    """Render template ``name`` (e.g. ``"system.fr"``) with exactly its fields."""
    template = load(name)
    needed = fields(template)
    missing = needed - values.keys()
    extra = values.keys() - needed
    if missing or extra:
        raise ConfigError(
            f"prompt {name}: missing {sorted(missing)} / unexpected {sorted(extra)} — fix prompts/{name}.txt"
        )
    return template.format(**values).strip()
