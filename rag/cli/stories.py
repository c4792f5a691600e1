"""Commands across articles: ``timeline`` (the stories about a topic in date order)."""

from __future__ import annotations

import click

from rag.cli.app import App, echo, emit_json, filter_options, filters, main


@main.command("timeline")
@click.argument("query")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def timeline_cmd(app: App, query, since, until, sources, langs, as_json):
    """The stories about QUERY in date order: date, sources, languages and the sentence that best matches (no LLM).

    \b
    Time phrases work as in questions:
      newsdesk timeline "accord de Paris depuis janvier"
      newsdesk timeline "Paris Agreement" --since 2024-01-01 --lang en
    """
    searched, entries = app.pipeline().timeline(query, filters(since, until, sources, langs))
    if as_json:
        emit_json({"query": searched, "stories": [e.to_dict() for e in entries]})
        return
    for e in entries:
        others = f"  (+{e.articles - 1} more)" if e.articles > 1 else ""
        echo(f"{(e.date or 'undated')[:10]:<10}  {', '.join(e.sources)[:40]}  [{'/'.join(e.languages)}]{others}")
        echo(f"    {e.lead[:300]}{'…' if len(e.lead) > 300 else ''}  — {e.article_id}")
    echo(f"{len(entries)} stories", err=True)
