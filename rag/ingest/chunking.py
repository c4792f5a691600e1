"""Sentence-aware chunking with exact character offsets.

Sentences (``text.sentences``) are packed greedily into chunks measured in
the embedder's own tokens, with an overlap of whole sentences. Every chunk's text is exactly
``article.text[start:end]``, so a citation can be highlighted in the article.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.text.sentences import split_sentences
from rag.types import Article, Chunk


def _split_long(text: str, start: int, end: int, count: Callable[[str], int], limit: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence at word boundaries into pieces of at most ``limit`` tokens."""
    pieces: list[tuple[int, int]] = []
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    piece_start: int | None = None
    last_end = start
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


Sized = tuple[int, int, int]  # (start, end, tokens) of a sentence or a piece of one
MIN_BUDGET = 16  # tokens a chunk may hold at least, whatever the header takes


def _sized_sentences(text: str, count_tokens: Callable[[str], int], budget: int) -> list[Sized]:
    """The sentences of ``text`` with their token counts; one longer than ``budget`` is cut at word boundaries."""
    sentences: list[Sized] = []
    for s, e in split_sentences(text):
        n = count_tokens(text[s:e])
        if n > budget:
            sentences.extend(
                (ps, pe, count_tokens(text[ps:pe])) for ps, pe in _split_long(text, s, e, count_tokens, budget)
            )
        else:
            sentences.append((s, e, n))
    return sentences


def _overlap(previous: list[Sized], overlap_tokens: int) -> list[Sized]:
    """The last whole sentences of a chunk, within ``overlap_tokens``, that the next chunk starts with."""
    kept: list[Sized] = []
    size = 0
    for sent in reversed(previous):
        if size + sent[2] > overlap_tokens or len(kept) + 1 >= len(previous):
            break
        kept.insert(0, sent)
        size += sent[2]
    return kept


def _groups(sentences: list[Sized], target: int, overlap_tokens: int, budget: int) -> list[list[Sized]]:
    """Sentences packed greedily into groups of about ``target`` tokens, overlapping by whole sentences."""
    groups: list[list[Sized]] = []
    current: list[Sized] = []
    for sent in sentences:
        if current and sum(x[2] for x in current) + sent[2] > target:
            groups.append(current)
            current = _overlap(current, overlap_tokens)
            if sum(x[2] for x in current) + sent[2] > budget:
                current = []
        current.append(sent)
    if current:
        groups.append(current)
    return groups


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
    budget = max(MIN_BUDGET, max_tokens - (count_tokens(header) if header else 0))
    groups = _groups(_sized_sentences(text, count_tokens, budget), min(target_tokens, budget), overlap_tokens, budget)
    return [
        Chunk(
            id=f"{article.id}:{n}",
            article_id=article.id,
            n=n,
            text=text[group[0][0] : group[-1][1]],
            start=group[0][0],
            end=group[-1][1],
            header=header,
            title=article.title,
            date=article.date,
            source=article.source,
            url=article.url,
            lang=article.lang,
            content_hash=article.content_hash,
        )
        for n, group in enumerate(groups)
    ]
