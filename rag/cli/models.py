"""``newsdesk models``: the presets, what is provisioned, and provisioning."""

from __future__ import annotations

from pathlib import Path

import click

from rag.cli.app import App, echo, emit_json, main


@main.group("models", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def models_cmd(ctx, as_json):
    """List model presets, what is provisioned, sizes and sources."""
    if ctx.invoked_subcommand:
        return
    from rag import list_models

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
    from rag import EMBEDDER_PRESETS, LLM_PRESETS, provision_preset

    settings = app.settings()
    wanted = list(names) or [
        n for n in (settings.embedder.model, settings.llm.model) if n in EMBEDDER_PRESETS or n in LLM_PRESETS
    ]
    for name in wanted:
        echo(f"{name}: {provision_preset(Path(settings.models_dir), name, force)}", err=True)
