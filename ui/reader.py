"""The reader: an article as the page shows it, with its story and, given offsets, a sentence highlighted."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from rag import t


def article_html(record: Any, story: Sequence[Any] = (), lang: str = "fr", mark: tuple[int, int] | None = None) -> str:
    """The article as the reader shows it, with the other articles of its story and, given offsets, a sentence
    highlighted."""
    a = record.article
    meta = " · ".join(html.escape(p) for p in ((a.date or "")[:10], a.source, a.lang) if p)
    url = f"<div><small>{html.escape(a.url)}</small></div>" if a.url else ""
    text = html.escape(a.text)
    if mark and 0 <= mark[0] < mark[1] <= len(a.text):
        before, inside, after = (
            html.escape(p) for p in (a.text[: mark[0]], a.text[mark[0] : mark[1]], a.text[mark[1] :])
        )
        text = f"{before}<mark>{inside}</mark>{after}"
    body = "".join(f"<p>{p}</p>" for p in text.split("\n") if p.strip())
    heading = f"<h3>{html.escape(a.title or a.id)}</h3><div><small>{meta}</small></div>"
    others = [r.article for r in story if r.article.id != a.id]
    if others:
        line = t(lang, "story_line").format(
            n=len(story),
            s=len({r.article.source for r in story if r.article.source}),
            langs="/".join(sorted({r.article.lang for r in story if r.article.lang})),
        )
        items = "".join(
            f"<li>{html.escape((o.date or '')[:10])} · {html.escape(o.source)} · {html.escape(o.lang)} — "
            f"{html.escape(o.title or o.id)}</li>"
            for o in others
        )
        heading += f"<div class='nd-story'><small>{html.escape(line)}</small><ul>{items}</ul></div>"
    return f"<div class='nd-article'>{heading}{url}{body}</div>"
