"""The ``newsdesk`` command. Thin: it parses flags, calls the pipeline, formats.

Answers go to stdout; progress and diagnostics to stderr. Errors are one line
(tracebacks with ``--debug``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rag.errors import NewsdeskError
from rag.types import Filters

if TYPE_CHECKING:
    from rag import Pipeline, Settings

log = logging.getLogger("newsdesk")


def _quiet_libraries() -> None:
    # Set before the heavy libraries are imported (they are imported lazily).
    for key, value in {
        "TOKENIZERS_PARALLELISM": "false",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TRANSFORMERS_VERBOSITY": "error",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "TQDM_DISABLE": "1",
    }.items():
        os.environ.setdefault(key, value)


class App:
    """What the group callback hands to subcommands: flag overrides and lazy settings."""

    def __init__(self, overrides: dict[str, Any], config: Path | None, debug: bool, quiet: bool = False):
        self.overrides = overrides
        self.config = config
        self.debug = debug
        self.quiet = quiet

    def settings(self, **extra: Any) -> Settings:
        from rag import load_settings

        return load_settings(
            {**self.overrides, **{k: v for k, v in extra.items() if v is not None}}, config_file=self.config
        )

    def pipeline(self, **extra: Any) -> Pipeline:
        from rag import build

        return build(self.settings(**extra))


EXIT_ERROR = 1
EXIT_NOTHING_STORED = 3
EXIT_INTERRUPTED = 130


class Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NewsdeskError as exc:
            if ctx.obj and ctx.obj.debug:
                raise
            echo(f"error: {exc}", err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(path_type=Path), help="Data directory (store, catalogue, conversations).")
@click.option(
    "--models-dir", type=click.Path(path_type=Path), help="Models directory (shared by all data directories)."
)
@click.option("--store-url", help="Chroma server URL, e.g. http://127.0.0.1:8000 (default: embedded store).")
@click.option("--config", "config", type=click.Path(path_type=Path), help="Settings file (default: ./newsdesk.toml).")
@click.option(
    "--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override any setting, e.g. --set llm.temperature=0."
)
@click.option("-v", "--verbose", count=True, help="More diagnostics on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(package_name="newsdesk")
@click.pass_context
def main(
    ctx: click.Context,
    data_dir: Path | None,
    models_dir: Path | None,
    store_url: str | None,
    config: Path | None,
    sets: tuple[str, ...],
    verbose: int,
    quiet: bool,
    debug: bool,
) -> None:
    """Newsdesk: ask French or English questions about your news archive, with citations.

    \b
    Examples:
      newsdesk add corpus/
      newsdesk ask "Pourquoi la Chine est-elle importante pour la Russie ?"
      newsdesk ask --json "What did Beijing say about the Paris Agreement?"
      newsdesk ui

    \b
    Exit codes: 0 done, 1 error (one line on stderr says how to fix it),
    2 bad usage, 3 nothing stored (every input of an add was rejected),
    130 interrupted.
    """
    _quiet_libraries()
    level = logging.DEBUG if verbose > 1 or debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    overrides: dict[str, Any] = {"data_dir": data_dir, "models_dir": models_dir, "store.url": store_url}
    try:
        overrides.update(parse_sets(sets))
    except NewsdeskError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from None
    ctx.obj = App({k: v for k, v in overrides.items() if v is not None}, config, debug, quiet)


def parse_sets(items: Iterable[str]) -> dict[str, str]:
    """``--set section.key=value`` flags as dotted paths and values."""
    from rag.errors import ConfigError

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"--set {item!r} is not KEY=VALUE — write it as section.key=value, e.g. llm.temperature=0"
            )
        out[key.strip()] = value
    return out


FILTER_OPTIONS = [
    click.option("--since", metavar="DATE", help="Only articles published on or after DATE (YYYY-MM-DD)."),
    click.option("--until", metavar="DATE", help="Only articles published before DATE (YYYY-MM-DD)."),
    click.option("--source", "sources", multiple=True, help="Only this source (repeatable)."),
    click.option("--lang", "langs", multiple=True, help="Only articles in this language: fr, en… (repeatable)."),
]


def filter_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--since --until --source --lang`` options, for every command that filters articles."""
    for option in reversed(FILTER_OPTIONS):
        fn = option(fn)
    return fn


def filters(since: str | None, until: str | None, sources: Iterable[str], langs: Iterable[str]) -> Filters:
    return Filters(since=since, until=until, sources=tuple(sources), langs=tuple(langs))


def echo(text: str = "", **kwargs) -> None:
    """``click.echo`` without control characters: text from articles and feeds never drives the terminal."""
    from rag import strip_controls

    click.echo(strip_controls(str(text)).replace("\r", ""), **kwargs)


def emit_json(data) -> None:
    # json escapes C0 controls itself; C1 controls (a terminal may read 0x9b as ESC[) are escaped here.
    click.echo(
        re.sub(
            r"[\x7f-\x9f]",
            lambda m: f"\\u{ord(m.group()):04x}",
            json.dumps(data, ensure_ascii=False, indent=2, default=str),
        )
    )


@main.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def config_cmd(app: App, as_json):
    """Show the effective settings and where each value comes from."""
    rows = app.settings().describe()
    if as_json:
        emit_json(rows)
        return
    width = max(len(r["key"]) for r in rows)
    for r in rows:
        echo(f"{r['key']:<{width}}  {r['value']!s:<40}  [{r['origin']}]")


@main.command("ui")
@click.option("--host", help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, help="Port (default 7860).")
@click.pass_obj
def ui_cmd(app: App, host, port):
    """Start the web chat.

    \b
    Example:
      newsdesk ui --port 7860
    """
    from ui.app import launch

    launch(app.pipeline(**{"ui.host": host, "ui.port": port}))
