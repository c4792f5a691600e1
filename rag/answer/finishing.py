"""From the model's raw text to the verified answer: valid markers, each sentence checked, refusals that say why."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from rag.answer import prompts
from rag.answer.citations import attribute, keep_valid_markers, render_answer, sentences_with_markers, strip_markers
from rag.answer.passages import Passage
from rag.answer.prompting import example_answer
from rag.answer.support import SupportScorer
from rag.text.analysis import analyze
from rag.text.dates import format_date, month_names
from rag.text.language import detect_answer
from rag.types import Citation, Filters, Sentence

MIN_DRIFT_CHARS = 20  # shorter answers are too short to tell their language
# Phrases by which a model says the passages do not hold the answer.
_REFUSAL = re.compile(
    r"(ne (?:le )?disent pas|ne (?:le )?précisent pas|ne contiennent pas|ne mentionnent pas|aucune information|pas "
    r"d'information|"
    r"ne permettent pas de répondre|"
    r"do not say|don't say|does not say|do not contain|does not contain|do not mention|does not mention|no information|"
    r"not (?:mentioned|specified|provided)|cannot answer|can't answer)",
    re.IGNORECASE,
)


def refusal_text(lang: str, filters: Filters | None = None, closest: Sequence[str] = ()) -> str:
    """The archive-does-not-say reply; names the active filters so the reader can widen them, and the
    closest articles when relevant passages were found (a refusal never hides what retrieval found)."""
    text = prompts.render(f"refusal.{lang}")
    if closest:
        quoted = ", ".join(f"« {t} »" if lang == "fr" else f"“{t}”" for t in dict.fromkeys(closest))
        text += " " + prompts.render(f"refusal_found.{lang}", titles=quoted)
    if filters is not None and not filters.is_empty():
        active = []
        if filters.since or filters.until:
            active.append(f"{format_date(filters.since, lang) or '…'} → {format_date(filters.until, lang) or '…'}")
        if filters.sources:
            active.append(", ".join(filters.sources))
        if filters.langs:
            active.append(", ".join(filters.langs))
        text += " " + prompts.render(f"refusal_filters.{lang}", filters="; ".join(active))
    return text


# Words the instructions ask every answer to use ("selon un article du 3 mai…"): they say nothing of a copy.
_FRAME = {"fr": "Selon un article publié le", "en": "According to an article published on"}


@cache
def _example_words(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """The analysed words of the attribution frame (with month names), and of the example answer."""
    frame = frozenset(analyze(f"{_FRAME[lang]} {' '.join(month_names(lang))}", lang))
    return frame, frozenset(analyze(strip_markers(example_answer(lang)), lang))


def copies_example(sentence: str, langs: Sequence[str] = ("fr", "en")) -> bool:
    """Whether ``sentence`` restates the facts of the instructions' example answer, in either language.

    Small models sometimes append the example to their answer; it is never an answer.
    The attribution frame and dates do not count: at least two of the example's other words must be there.
    """
    for lang in langs:
        frame, example = _example_words(lang)
        words = set(analyze(strip_markers(sentence), lang)) - frame
        shared = words & example
        facts = {w for w in shared if not w.isdigit()}
        if len(words) >= 3 and len(shared) >= 0.6 * len(words) and len(facts) >= 2:
            return True
    return False


def is_refusal(text: str) -> bool:
    plain = strip_markers(text)
    return not plain or bool(_REFUSAL.search(plain))


def language_drifted(text: str, lang: str) -> bool:
    plain = strip_markers(text)
    return len(plain) >= MIN_DRIFT_CHARS and detect_answer(plain) != lang


@dataclass(frozen=True)
class Finished:
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    sentences: tuple[Sentence, ...]


def finish(
    raw: str, lang: str, passages: Sequence[Passage], scorer: SupportScorer, filters: Filters | None = None
) -> Finished:
    """Verify the model's answer: keep valid markers, check support, map citations.

    Passages were relevant enough to be shown to the model, so a refusal here names their articles.
    """
    closest = [p.chunk.title or p.chunk.article_id for p in passages][:3]
    if is_refusal(raw):
        return Finished(refusal_text(lang, filters, closest), True, (), ())
    text = keep_valid_markers(unicodedata.normalize("NFC", raw.strip()), range(1, len(passages) + 1))
    # A sentence copied from the instructions' example, and not backed by a passage, is dropped rather than shown.
    attributed = [
        a
        for a in attribute(sentences_with_markers(text), len(passages), scorer)
        if a.supported or not copies_example(a.text)
    ]
    citations: dict[int, Citation] = {}
    for sent in attributed:
        for n in sent.citations:
            passage = passages[n - 1]
            chunk = passage.chunk
            span = scorer.highlight(sent.text, n)
            previous = citations.get(n)
            score = max(sent.support[n], previous.support if previous else 0.0)
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
                support=score,
                highlight_start=(previous.highlight_start if previous else None) or (span[0] if span else None),
                highlight_end=(previous.highlight_end if previous else None) or (span[1] if span else None),
            )
    sentences = tuple(Sentence(a.text, a.citations, a.supported) for a in attributed)
    if not any(s.supported for s in sentences):
        # Nothing the model said is backed by a passage: say the archive does not say it.
        return Finished(refusal_text(lang, filters, closest), True, (), sentences)
    return Finished(render_answer(attributed), False, tuple(citations[n] for n in sorted(citations)), sentences)
