"""Turning Answers and articles into escaped HTML and Markdown for the web chat. Pure functions.

Everything that comes from articles (titles, text, sources, URLs) is untrusted
and escaped; only http(s) URLs become links.
"""

from __future__ import annotations

import html
import re

from rag import Conversation, format_date, t
from rag.types import Answer, Citation


def _esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def safe_url(url: str | None) -> str | None:
    return url if url and re.match(r"^https?://[^\s<>\"']+$", url) else None


def chip(answer_id: str, n: int) -> str:
    n = int(n)
    return f"<a class='nd-chip' href='#nd-src-{_esc(answer_id)}-{n}' data-src='nd-src-{_esc(answer_id)}-{n}'>{n}</a>"


def markdown_text(text: str) -> str:
    """``text`` as literal Markdown: a model's ``![](https://…)`` or link in an export stays text."""
    return re.sub(r"([\\`*_{}\[\]()<>#+!|~])", r"\\\1", text)


def answer_html(answer: Answer, answer_id: str, lang: str) -> str:
    """The answer with each [n] as a clickable chip, the sentences left out by the check, and the footer."""
    shown = [s for s in answer.sentences if s.supported]
    if answer.refused or not shown:
        body = _esc(answer.answer)
    else:
        body = " ".join(f"{_esc(s.text)}{''.join(chip(answer_id, n) for n in s.citations)}" for s in shown)
    left_out = [s for s in answer.sentences if not s.supported]
    if left_out:
        items = "".join(f"<li>⚠ {_esc(s.text)}</li>" for s in left_out)
        body += (
            f"<details class='nd-left-out'><summary>{_esc(t(lang, 'left_out_note'))} ({len(left_out)})</summary>"
            f"<ul>{items}</ul></details>"
        )
    if answer.stopped:
        body += f"<div class='nd-stopped'>■ {_esc(t(lang, 'stopped' if shown else 'stopped_empty'))}</div>"
    footer = " ".join(p for p in (corroboration(answer, answer_id, lang), filters_footer(answer, lang)) if p)
    return f"<div class='nd-answer'>{body}</div>" + (f"<div class='nd-footer'>{footer}</div>" if footer else "")


def story_line(c: Citation, lang: str) -> str:
    """Who else reported the cited article's story, and in which languages; "" when nobody did."""
    if not c.story:
        return ""
    return t(lang, "story_line").format(n=c.story.articles, s=len(c.story.sources), langs="/".join(c.story.languages))


def corroboration(answer: Answer, answer_id: str, lang: str) -> str:
    """Which sentences' citations come from one story through several sources."""
    groups = answer.corroborated()
    if not groups:
        return ""
    marks = "; ".join("".join(chip(answer_id, n) for n in group) for group in groups)
    return f"<div class='nd-corroborated'>✔ {_esc(t(lang, 'corroborated')).format(marks=marks)}</div>"


def filters_footer(answer: Answer, lang: str) -> str:
    f = answer.retrieval.filters or {}
    items = []
    if f.get("since") or f.get("until"):
        items.append(f"{format_date(f.get('since'), lang) or '…'} → {format_date(f.get('until'), lang) or '…'}")
    if f.get("sources"):
        items.append(", ".join(f["sources"]))
    if f.get("langs"):
        items.append(", ".join(f["langs"]))
    shown = f"{_esc(t(lang, 'active_filters'))} {_esc(' · '.join(items))}" if items else ""
    if f.get("relaxed"):  # the question's dates matched nothing relevant: the closest articles of any date
        shown = " ".join(p for p in (shown, _esc(t(lang, "dates_relaxed"))) if p)
    return shown


def highlighted_passage(c: Citation) -> str:
    """The cited passage, with its best-supporting sentence marked."""
    passage = c.passage
    if (
        c.highlight_start is not None
        and c.highlight_end is not None
        and c.start <= c.highlight_start < c.highlight_end <= c.end
    ):
        a, b = c.highlight_start - c.start, c.highlight_end - c.start
        return f"{_esc(passage[:a])}<mark>{_esc(passage[a:b])}</mark>{_esc(passage[b:])}"
    return _esc(passage)


def sources_html(answer: Answer, answer_id: str, lang: str) -> str:
    """One collapsible entry per cited passage; nothing for a refusal."""
    if answer.refused or not answer.citations:
        return f"<div class='nd-sources nd-empty'>{_esc(t(lang, 'no_sources'))}</div>" if answer.refused else ""
    items = []
    for c in answer.citations:
        meta = " · ".join(_esc(p) for p in (format_date(c.date, lang), c.source, story_line(c, lang)) if p)
        url = safe_url(c.url)
        link = f" <a href='{_esc(url)}' target='_blank' rel='noopener noreferrer'>↗</a>" if url else ""
        items.append(
            f"<details class='nd-source' id='nd-src-{_esc(answer_id)}-{c.n}'><summary><span class='nd-n'>{c.n}</span> "
            f"<b>{_esc(c.title or c.article_id)}</b>{link}<br><small>{meta}</small></summary>"
            f"<blockquote>{highlighted_passage(c)}</blockquote></details>"
        )
    return f"<div class='nd-sources'>{''.join(items)}</div>"


def _markdown_sentence(text: str, citations: tuple[int, ...]) -> str:
    marks = "".join(f"\\[{int(n)}\\]" for n in citations)
    m = re.fullmatch(r"(.*?)([.!?…]*)", text, re.S)
    body, end = m.groups() if m else (text, "")
    return markdown_text(body) + (f" {marks}" if marks else "") + end


def answer_markdown(answer: Answer, lang: str) -> str:
    """An answer and its sources as Markdown, for export; sentences left out by the check keep their mark."""
    shown = [s for s in answer.sentences if s.supported]
    if answer.refused or not shown:
        body = markdown_text(answer.answer)
    else:
        body = " ".join(_markdown_sentence(s.text, s.citations) for s in shown)
    lines = [f"## {markdown_text(answer.question)}", "", body, ""]
    if answer.stopped:
        lines += [f"*{t(lang, 'stopped' if shown else 'stopped_empty')}*", ""]
    left_out = [s for s in answer.sentences if not s.supported]
    if left_out:
        lines += [f"### {t(lang, 'left_out_note')}", ""]
        lines += [f"- ⚠ *{_markdown_sentence(s.text, ())}* ({t(lang, 'unsupported')})" for s in left_out] + [""]
    if answer.citations:
        lines.append(f"### {t(lang, 'sources')}")
        lines.append("")
        for c in answer.citations:
            meta = ", ".join(p for p in (format_date(c.date, lang), c.source, story_line(c, lang)) if p)
            name = markdown_text(c.title or c.article_id)
            title = f"[{name}](<{c.url}>)" if safe_url(c.url) else name
            lines.append(f"{int(c.n)}. {title}" + (f" — {markdown_text(meta)}" if meta else ""))
            lines.append("")
            lines.extend(f"   > {markdown_text(line)}" for line in c.passage.splitlines() if line.strip())
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def conversation_view(conv: Conversation, lang: str) -> tuple[list[dict[str, str]], str]:
    """Chat messages and the sources panel for a whole conversation (newest sources first)."""
    messages, panels = [], []
    for i, turn in enumerate(conv.turns):
        answer = Answer.from_dict(turn["answer"])
        messages.append({"role": "user", "content": turn["question"]})
        messages.append({"role": "assistant", "content": answer_html(answer, f"{conv.id}-{i}", lang)})
        panel = sources_html(answer, f"{conv.id}-{i}", lang)
        if panel:
            panels.append(f"<div class='nd-turn'><div class='nd-q'>{html.escape(turn['question'])}</div>{panel}</div>")
    return messages, "".join(reversed(panels))
