"""Values read from JSON that comes from disk or a client, each checked for its type (raises ValueError). Pure."""

from __future__ import annotations

from typing import Any


def as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return value


def as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {type(value).__name__}")
    return value


def maybe_str(value: Any) -> str | None:
    return None if value is None else as_str(value)


def maybe_int(value: Any) -> int | None:
    return None if value is None else as_int(value)


def as_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    return float(value)
