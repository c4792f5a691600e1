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
from pathlib import Path

import click

from .errors import NewsdeskError

log = logging.getLogger("newsdesk")


def _quiet_libraries() -> None:
    # Set before the heavy libraries are imported (they are imported lazily).
    for key, value in {
        "TOKENIZERS_PARALLELISM": "false", "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error",
        "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False", "TQDM_DISABLE": "1",
    }.items():
        os.environ.setdefault(key, value)


class App:
    """What the group callback hands to subcommands: flag overrides and lazy settings."""

    def __init__(self, overrides: dict, config: Path | None, debug: bool):
        self.overrides = overrides
        self.config = config
        self.debug = debug

    def settings(self, **extra):
        from .settings import load_settings

        return load_settings({**self.overrides, **{k: v for k, v in extra.items() if v is not None}}, config_file=self.config)

    def pipeline(self, **extra):
        from .pipeline import build

        return build(self.settings(**extra))


class Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NewsdeskError as exc:
            if ctx.obj and ctx.obj.debug:
                raise
            echo(f"error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(path_type=Path), help="Data directory (store, catalogue, conversations).")
@click.option("--models-dir", type=click.Path(path_type=Path), help="Models directory (shared by all data directories).")
@click.option("--store-url", help="Chroma server URL, e.g. http://127.0.0.1:8000 (default: embedded store).")
@click.option("--config", "config", type=click.Path(path_type=Path), help="Settings file (default: ./newsdesk.toml).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override any setting, e.g. --set llm.temperature=0.")
@click.option("-v", "--verbose", count=True, help="More diagnostics on stderr (-vv for debug).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(package_name="newsdesk")
@click.pass_context
def main(ctx, data_dir, models_dir, store_url, config, sets, verbose, debug):
    """Newsdesk: ask French or English questions about your news archive, with citations.

    \b
    Examples:
      newsdesk add corpus/
      newsdesk ask "Pourquoi la Chine est-elle importante pour la Russie ?"
      newsdesk ask --json "What did Beijing say about the Paris Agreement?"
      newsdesk ui
    """
    _quiet_libraries()
    level = logging.DEBUG if verbose > 1 or debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    overrides: dict = {"data_dir": data_dir, "models_dir": models_dir, "store.url": store_url}
    for item in sets:
        if "=" not in item:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--set")
        key, value = item.split("=", 1)
        overrides[key.strip()] = value
    ctx.obj = App({k: v for k, v in overrides.items() if v is not None}, config, debug)


def echo(text: str = "", **kwargs) -> None:
    """``click.echo`` without control characters: text from articles and feeds never drives the terminal."""
    from .cleaning import strip_controls

    click.echo(strip_controls(str(text)).replace("\r", ""), **kwargs)


def emit_json(data) -> None:
    # json escapes C0 controls itself; C1 controls (a terminal may read 0x9b as ESC[) are escaped here.
    click.echo(re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", json.dumps(data, ensure_ascii=False, indent=2, default=str)))


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



@main.group("models", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def models_cmd(ctx, as_json):
    """List model presets, what is provisioned, sizes and sources."""
    if ctx.invoked_subcommand:
        return
    from .models import list_models

    settings = ctx.obj.settings()
    rows = list_models(Path(settings.models_dir))
    if as_json:
        emit_json(rows)
        return
    echo(f"models directory: {settings.models_dir}")
    for r in rows:
        state = "provisioned" if r["provisioned"] else "missing"
        size = f"{r['size'] / 1e6:,.0f} MB" if r["size"] else "?"
        echo(f"  {r['kind']:<8} {r['name']:<30} {state:<12} {size:>9}  {r['source']}  ({r['licence']}) — {r['note']}")


@models_cmd.command("provision")
@click.argument("names", nargs=-1)
@click.option("--force", is_flag=True, help="Download and rebuild even if present.")
@click.pass_obj
def provision_cmd(app: App, names, force):
    """Download, assemble and verify models (default: the configured embedder and LLM).

    \b
    Examples:
      newsdesk models provision
      newsdesk models provision qwen2.5-coder-0.5b-instruct
      newsdesk models provision --force multilingual-e5-small
    """
    from .errors import ModelError
    from .models import EMBEDDER_PRESETS, LLM_PRESETS, RESCORER_PRESETS, provision_embedder, provision_llm, provision_rescorer

    settings = app.settings()
    models_dir = Path(settings.models_dir)
    wanted = list(names) or [n for n in (settings.embedder.model, settings.llm.model) if n in EMBEDDER_PRESETS or n in LLM_PRESETS]
    for name in wanted:
        if name in EMBEDDER_PRESETS:
            path = provision_embedder(models_dir, name, force)
        elif name in LLM_PRESETS:
            path = provision_llm(models_dir, name, force)
        elif name in RESCORER_PRESETS:
            path = provision_rescorer(models_dir, name, force)
        else:
            raise ModelError(f"unknown preset {name!r} — choose one of {', '.join([*EMBEDDER_PRESETS, *LLM_PRESETS, *RESCORER_PRESETS])}")
        echo(f"{name}: {path}", err=True)


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


from . import cli_ask, cli_corpus, cli_eval  # noqa: E402,F401  (they register their commands on ``main``)
