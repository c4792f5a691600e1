"""What happens to the fused hits before they are shown: post-processors over a ranked list of hits.

Each stage takes hits best first and returns hits best first; the retriever
runs its list of stages in order (``Retriever.stages``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from rag.retrieve.fusion import standardize
from rag.text.shingles import NEAR_DUPLICATE, jaccard, shingles
from rag.types import Hit

if TYPE_CHECKING:
    from rag.models.rescorer import Rescorer

Stage = Callable[[list[Hit]], list[Hit]]
PASSAGE_SHINGLE = 3  # words per shingle: passages are short
RECENCY_WEIGHT = 0.5  # share of the fused score that recency can take away from the oldest candidate


def drop_near_duplicates(hits: list[Hit], threshold: float = NEAR_DUPLICATE) -> list[Hit]:
    """Remove passages that nearly repeat a better-ranked one (syndicated wire copy)."""
    kept: list[tuple[Hit, set[str]]] = []
    for hit in hits:
        sh = shingles(hit.chunk.text, PASSAGE_SHINGLE)
        if not any(jaccard(sh, other) >= threshold for _, other in kept):
            kept.append((hit, sh))
    return [h for h, _ in kept]


def cap_per_article(hits: list[Hit], cap: int) -> list[Hit]:
    """Keep at most ``cap`` hits of each article, in rank order."""
    seen: dict[str, int] = {}
    kept = []
    for hit in hits:
        count = seen.get(hit.chunk.article_id, 0)
        if count < cap:
            kept.append(hit)
            seen[hit.chunk.article_id] = count + 1
    return kept


def prefer_recent(hits: list[Hit], weight: float = RECENCY_WEIGHT) -> list[Hit]:
    """Re-rank by fused score scaled between ``1 - weight`` (oldest candidate) and 1 (newest)."""
    epochs = [h.chunk.epoch for h in hits if h.chunk.epoch is not None]
    if len(set(epochs)) < 2:
        return hits
    lo, hi = min(epochs), max(epochs)

    def score(h: Hit) -> float:
        freshness = (h.chunk.epoch - lo) / (hi - lo) if h.chunk.epoch is not None else 0.0
        return h.fused * (1 - weight + weight * freshness)

    return sorted(hits, key=score, reverse=True)


def rerank(hits: list[Hit], query: str, rescorer: Rescorer, depth: int, weight: float) -> list[Hit]:
    """Re-order the top ``depth`` hits by first-stage and rescored z-scores blended with ``weight``."""
    head, tail = hits[:depth], hits[depth:]
    if len(head) < 2:
        return hits
    second = standardize(rescorer.scores(query, [h.chunk.embed_text for h in head]))
    first = standardize(np.array([h.fused for h in head], dtype=float))
    blended = (1 - weight) * first + weight * second
    order = np.argsort(-blended, kind="stable")
    return [replace(head[i], fused=float(blended[i])) for i in order] + tail
