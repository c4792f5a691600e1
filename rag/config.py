"""Where the settings come from: defaults < ``newsdesk.toml`` < ``NEWSDESK_*`` environment < CLI flags.

Nested fields read ``NEWSDESK_<SECTION>__<FIELD>``; the documented shortcuts
``NEWSDESK_STORE_URL``, ``NEWSDESK_UI_AUTH`` and ``OLLAMA_HOST`` work too.
Every value keeps the layer it came from.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import ValidationError
from pydantic_settings import EnvSettingsSource

from rag.errors import ConfigError
from rag.settings import ENV_PREFIX, ENV_SHORTCUTS, Settings


class _EnvSource(EnvSettingsSource):
    """pydantic-settings' env source reading a given mapping (testable)."""

    def __init__(self, environ: Mapping[str, str]):
        self._environ = environ
        super().__init__(Settings)

    def _load_env_vars(self):
        return {k.lower(): v for k, v in self._environ.items()}


def _leaves(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and key in Settings.model_fields:
            paths.extend(_leaves(value, path + "."))
        else:
            paths.append(path)
    return paths


def _set_path(target: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def find_config_file(environ: Mapping[str, str]) -> Path | None:
    """``NEWSDESK_CONFIG``, else ./newsdesk.toml, else the user config dir."""
    if environ.get("NEWSDESK_CONFIG"):
        return Path(environ["NEWSDESK_CONFIG"])
    for candidate in (Path.cwd() / "newsdesk.toml", Path(platformdirs.user_config_dir("newsdesk")) / "newsdesk.toml"):
        if candidate.is_file():
            return candidate
    return None


Layer = tuple[str, dict[str, Any]]  # (origin, nested values)


def _file_layer(path: Path | None) -> list[Layer]:
    if path is None:
        return []
    if not path.is_file():
        raise ConfigError(f"config file {path} not found — create it or unset NEWSDESK_CONFIG")
    try:
        return [(f"newsdesk.toml ({path})", tomllib.loads(path.read_text(encoding="utf-8")))]
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}) — fix the file") from exc


def _env_layers(environ: Mapping[str, str]) -> list[Layer]:
    try:
        env_values = _EnvSource(environ)()
    except Exception as exc:  # pydantic-settings raises SettingsError on unparsable nested values
        raise ConfigError(f"invalid NEWSDESK_* environment variable: {exc}") from exc
    shortcuts: dict[str, Any] = {}
    for var, dotted in ENV_SHORTCUTS.items():
        if environ.get(var):
            _set_path(shortcuts, dotted, environ[var])
    return [("env", env_values), ("env-shortcut", shortcuts)]


def _origin(layer: str, leaf: str) -> str:
    if layer == "env":
        return "env " + ENV_PREFIX + leaf.replace(".", "__").upper()
    if layer == "env-shortcut":
        return "env " + {v: k for k, v in ENV_SHORTCUTS.items()}[leaf]
    return layer


def _merge(layers: list[Layer]) -> tuple[dict[str, Any], dict[str, str]]:
    """The layers merged in order (later wins), and the origin of every leaf."""
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for layer, values in layers:
        for leaf in _leaves(values):
            node: Any = values
            for part in leaf.split("."):
                node = node[part]
            _set_path(merged, leaf, node)
            origins[leaf] = _origin(layer, leaf)
    return merged, origins


def load_settings(
    cli: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None, config_file: Path | None = None
) -> Settings:
    """Build the effective settings from all layers.

    ``cli`` maps dotted paths (``"llm.backend"``) to values given as flags.
    """
    environ = dict(os.environ if environ is None else environ)
    cli_values: dict[str, Any] = {}
    for dotted, value in (cli or {}).items():
        if value is not None:
            _set_path(cli_values, dotted, value)
    layers = [*_file_layer(config_file or find_config_file(environ)), *_env_layers(environ), ("cli", cli_values)]
    merged, origins = _merge(layers)
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(
            f"invalid setting {where} (from {origins.get(where, 'the configuration')}): {err['msg']} — "
            "fix it or remove it"
        ) from exc
    settings._origins = origins
    return settings


def with_overrides(settings: Settings, overrides: Mapping[str, Any], origin: str = "override") -> Settings:
    """A copy of ``settings`` with dotted-path values replaced (validated like any other layer)."""
    if not overrides:
        return settings
    data = settings.model_dump()
    for dotted, value in overrides.items():
        _set_path(data, dotted, value)
    try:
        updated = Settings(**data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"invalid setting {'.'.join(str(p) for p in err['loc'])}: {err['msg']}") from exc
    updated._origins = {**settings._origins, **{k: origin for k in overrides}}
    return updated
