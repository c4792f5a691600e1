"""``newsdesk mcp``: the archive as MCP tools over stdio (the tools are in ``ui.mcp_tools``)."""

from __future__ import annotations

import click

from rag.cli.app import App, main


@main.command("mcp")
@click.pass_obj
def mcp_cmd(app: App):
    """Serve the archive as MCP tools over stdio (for MCP-capable assistants).

    The page's app serves the same tools over HTTP at /mcp.

    \b
    Example (an assistant's MCP configuration):
      {"command": "/path/to/.venv/bin/newsdesk", "args": ["mcp"]}
    """
    from ui.mcp_tools import build_server

    build_server(app.pipeline()).run(transport="stdio")
