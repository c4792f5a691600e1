"""Commands across articles: ``timeline`` (the stories about a topic in date order) and ``brief`` (what is new)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

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


def since_date(value: str | None, today: date) -> str | None:
    """``2d``, ``1w``, ``12h`` before today, or a date as given."""
    m = re.fullmatch(r"\s*(\d+)\s*([hdw])\s*", value or "")
    if not m:
        return value
    days = int(m.group(1)) * {"h": 1 / 24, "d": 1, "w": 7}[m.group(2)]
    return (today - timedelta(days=max(1, round(days)))).isoformat()  # dates are days: 12h reads as yesterday


@main.command("brief")
@click.argument("topic", required=False, default="")
@filter_options
@click.option("--in", "reader_lang", type=click.Choice(["fr", "en"]), help="Language of the briefing.")
@click.option("--stories", "limit", type=click.IntRange(1, 20), default=5, show_default=True, help="Stories at most.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (once every story is written).")
@click.pass_obj
def brief_cmd(app: App, topic, since, until, sources, langs, reader_lang, limit, as_json):
    """What is new: the period's stories (about TOPIC if given), biggest first, one checked sentence each.

    \b
    --since takes a date or a span back from today: 2d, 1w.
      newsdesk brief --since 2d
      newsdesk brief "accord de Paris" --since 2024-01-01 --in fr
    """
    from rag import detect_question

    lang = reader_lang or (detect_question(topic) if topic.strip() else "en")
    chosen = filters(since_date(since, date.today()), until, sources, langs)
    items = show_brief(app.pipeline().brief(topic, chosen, lang, limit=limit), as_json, topic, lang)
    if not items and not as_json:
        echo("nothing in this period — widen it with --since", err=True)


def show_brief(stories: Iterable, as_json: bool, topic: str, lang: str) -> list:
    """Print each story of a briefing as it comes (or all of them as JSON at the end); the stories printed."""
    items = []
    for item in stories:
        items.append(item)
        if as_json:
            continue
        others = f", {item.articles} articles" if item.articles > 1 else ""
        echo(f"{(item.date or 'undated')[:10]}  {', '.join(item.sources)[:50]}  [{'/'.join(item.languages)}{others}]")
        echo(f"    {item.answer.answer}")
        for c in item.answer.citations:
            echo(f"      [{c.n}] {c.title or c.article_id}" + (f" — {c.source}" if c.source else ""))
    if as_json:
        emit_json({"topic": topic, "language": lang, "stories": [i.to_dict() for i in items]})
    return items
