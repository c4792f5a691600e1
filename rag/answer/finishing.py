"""The answer shown from a checked draft: its supported sentences and their citations, a quoted extract, or a
refusal that says why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.answer import prompts
from rag.answer.citations import Attributed, render_answer
from rag.answer.passages import Passage
from rag.answer.quoting import Quote, quote_text
from rag.answer.support import SupportScorer
from rag.text.dates import format_date
from rag.types import Citation, Filters, Sentence

if TYPE_CHECKING:
    from rag.answer.drafting import Draft


def _quoted(items: Sequence[str], lang: str) -> str:
    return ", ".join(f"« {t} »" if lang == "fr" else f"“{t}”" for t in dict.fromkeys(items))


def refusal_text(
    lang: str,
    filters: Filters | None = None,
    closest: Sequence[str] = (),
    missing: Sequence[str] = (),
    unsaid: Sequence[str] = (),
) -> str:
    """The archive-does-not-say reply; names what no relevant passage mentions (or the question's words the closest
    passage lacks), the closest articles when relevant passages were found (a refusal never hides what retrieval
    found), and the active filters."""
    text = prompts.render(f"refusal.{lang}")
    if missing:
        text += " " + prompts.render(f"refusal_names.{lang}", names=_quoted(missing, lang))
    elif unsaid:
        text += " " + prompts.render(f"refusal_words.{lang}", words=_quoted(unsaid, lang))
    if closest:
        text += " " + prompts.render(f"refusal_found.{lang}", titles=_quoted(closest, lang))
    if filters is not None and not filters.is_empty():
        active = []
        if filters.since or filters.until:
            active.append(f"{format_date(filters.since, lang) or '…'} → {format_date(filters.until, lang) or '…'}")
        if filters.sources:
            active.append(", ".join(filters.sources))
        if filters.langs:
            active.append(", ".join(filters.langs))
        if active:  # flags such as "undated articles kept" are no filter the reader set
            text += " " + prompts.render(f"refusal_filters.{lang}", filters="; ".join(active))
    return text


@dataclass(frozen=True)
class Finished:
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    sentences: tuple[Sentence, ...]  # the sentences shown (supported), then those left out (unsupported)


def cite(kept: Sequence[Attributed], passages: Sequence[Passage], scorer: SupportScorer) -> tuple[Citation, ...]:
    """One citation per passage the kept sentences cite, with its best support and the sentence to highlight."""
    citations: dict[int, Citation] = {}
    for sent in kept:
        for n in sent.citations:
            passage = passages[n - 1]
            chunk = passage.chunk
            span = scorer.highlight(sent.text, n)
            previous = citations.get(n)
            citations[n] = Citation(
                n=n,
                article_id=chunk.article_id,
                chunk_id=chunk.id,
                title=chunk.title,
                date=chunk.date,
                source=chunk.source,
                url=chunk.url,
                passage=passage.text,
                start=passage.start,
                end=passage.end,
                support=max(sent.support[n], previous.support if previous else 0.0),
                highlight_start=(previous.highlight_start if previous else None) or (span[0] if span else None),
                highlight_end=(previous.highlight_end if previous else None) or (span[1] if span else None),
                lang=chunk.lang,
            )
    return tuple(citations[n] for n in sorted(citations))


def quoted(draft: Draft, quote: Quote, translation: str | None = None) -> Attributed:
    """The quoted extract that stands for the answer: the passage's own words (or their checked ``translation``),
    with their citation."""
    text = quote_text(draft.passages[quote.n - 1], quote, draft.lang, translation)
    return Attributed(text, (quote.n,), True, {quote.n: 1.0})


def finish(
    draft: Draft, filters: Filters | None = None, quote: Quote | None = None, translation: str | None = None
) -> Finished:
    """The answer from a (possibly partial) draft: its kept sentences; else, when the model wrote sentences no
    passage supports, the ``quote`` from a strongly relevant passage (or its ``translation``); else a refusal naming
    the closest articles."""
    left_out = tuple(Sentence(a.text, (), False) for a in draft.left_out)
    kept = list(draft.kept)
    if not kept and quote is not None and draft.failed:
        kept = [quoted(draft, quote, translation)]
    if kept:
        shown = tuple(Sentence(a.text, a.citations, True) for a in kept)
        return Finished(render_answer(kept), False, cite(kept, draft.passages, draft.scorer), shown + left_out)
    closest = [p.chunk.title or p.chunk.article_id for p in draft.passages][:3]
    return Finished(refusal_text(draft.lang, filters, closest), True, (), left_out)
