"""Sentence-aware chunking with exact character offsets.

Sentences are found with rules that know French and English punctuation
(« », abbreviations such as « M. », « etc. », initials, decimal commas) and
packed greedily into chunks measured in the embedder's own tokens, with an
overlap of whole sentences. Every chunk's text is exactly
``article.text[start:end]``, so a citation can be highlighted in the article.
"""

from __future__ import annotations

import re
from typing import Callable

from .types import Article, Chunk

# Words that end with a period without ending the sentence (lower-cased, no dot).
ABBREVIATIONS = frozenset(
    """
    m mm mme mmes mlle mlles dr pr prof me st ste sts vs cf p pp ex env av apr
    no nos vol chap fig éd ed réf art al inc ltd co corp jr sr mr mrs ms gen gén
    col lt sgt capt rev hon gov sen rep dept univ est approx min max tél tel
    janv févr fév avr juil sept oct nov déc jan feb mar apr jun jul aug sep dec
    e.g i.e u.s u.k j.-c
    """.split()
)

_TERMINATOR = re.compile(r"[.!?…]+(?:[ \u00a0\u202f]?[»”]|[\"’')\]])*")
_OPENERS = "«\"“‘'([-—–¿¡"


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` closes an abbreviation or an initial."""
    start = dot
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] in ".-"):
        start -= 1
    word = text[start:dot].lower().strip(".")
    if not word:
        return False
    if len(word) == 1 and word.isalpha():  # initials: "J. K. Rowling", "M. Dupont"
        return True
    return word in ABBREVIATIONS


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text``.

    Line breaks always end a sentence (headings, list items); inside a line a
    sentence ends at ``.``, ``!``, ``?`` or ``…`` (plus closing quotes) followed
    by white space and a capital, digit or opening quote, unless the period
    closes a known abbreviation or an initial. Spans exclude surrounding blanks.
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        base = line.start()
        segment = line.group()
        cursor = 0
        for m in _TERMINATOR.finditer(segment):
            end = m.end()
            rest = segment[end:]
            nxt = rest.lstrip()
            if not nxt or len(nxt) == len(rest):
                continue  # end of line (handled below) or no space after: "3.5", "U.S.A"
            first = nxt[0]
            if not (first.isupper() or first.isdigit() or first in _OPENERS):
                continue
            if segment[m.start()] == "." and m.end() - m.start() == 1 and _is_abbreviation(segment, m.start()):
                continue
            spans.append((base + cursor, base + end))
            cursor = end + (len(rest) - len(nxt))
        spans.append((base + cursor, base + len(segment)))
    return [_strip(text, s, e) for s, e in spans if text[s:e].strip()]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split_long(text: str, start: int, end: int, count: Callable[[str], int], limit: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at word boundaries into pieces of at most ``limit`` tokens."""
    pieces: list[tuple[int, int]] = []
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    piece_start = None
    last_end = None
    for ws, we in words:
        if piece_start is None:
            piece_start = ws
        elif count(text[piece_start:we]) > limit:
            pieces.append((piece_start, last_end))
            piece_start = ws
        last_end = we
    if piece_start is not None:
        pieces.append((piece_start, last_end))
    return pieces


def chunk_header(article: Article) -> str:
    """Short header embedded with every chunk: title, date, source."""
    parts = [p for p in ((article.date or "")[:10], article.source) if p]
    meta = f" ({', '.join(parts)})" if parts else ""
    return f"{article.title}{meta}".strip()


def chunk_article(
    article: Article,
    count_tokens: Callable[[str], int],
    target_tokens: int = 256,
    overlap_tokens: int = 32,
    max_tokens: int = 480,
) -> list[Chunk]:
    """Split an article into chunks of about ``target_tokens`` embedder tokens.

    ``max_tokens`` bounds header plus text so the embedder never truncates; a
    sentence longer than what is left is cut at word boundaries.
    """
    text = article.text
    header = chunk_header(article)
    budget = max(16, max_tokens - (count_tokens(header) if header else 0))
    target = min(target_tokens, budget)
    sentences: list[tuple[int, int, int]] = []
    for s, e in split_sentences(text):
        n = count_tokens(text[s:e])
        if n > budget:
            for ps, pe in _split_long(text, s, e, count_tokens, budget):
                sentences.append((ps, pe, count_tokens(text[ps:pe])))
        else:
            sentences.append((s, e, n))

    groups: list[list[tuple[int, int, int]]] = []
    current: list[tuple[int, int, int]] = []
    size = 0
    for sent in sentences:
        if current and size + sent[2] > target:
            groups.append(current)
            overlap: list[tuple[int, int, int]] = []
            kept = 0
            for prev in reversed(current):
                if kept + prev[2] > overlap_tokens or len(overlap) + 1 >= len(current):
                    break
                overlap.insert(0, prev)
                kept += prev[2]
            current, size = overlap, kept
            if size + sent[2] > budget:
                current, size = [], 0
        current.append(sent)
        size += sent[2]
    if current:
        groups.append(current)

    chunks = []
    for n, group in enumerate(groups):
        start, end = group[0][0], group[-1][1]
        chunks.append(
            Chunk(
                id=f"{article.id}:{n}",
                article_id=article.id,
                n=n,
                text=text[start:end],
                start=start,
                end=end,
                header=header,
                title=article.title,
                date=article.date,
                source=article.source,
                url=article.url,
                lang=article.lang,
                content_hash=article.content_hash,
            )
        )
    return chunks
