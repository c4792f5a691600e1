"""Combining the dense and BM25 rankings: z-normalised scores (the default) or reciprocal ranks. Pure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RRF_K = 60  # reciprocal rank fusion's usual constant


@dataclass(frozen=True)
class Ranked:
    """One retriever's ranking: chunk ids best first, with their raw scores."""

    ids: tuple[str, ...]
    scores: tuple[float, ...]
    weights: tuple[float, ...] | None = None  # per item; 1.0 when absent


def fuse(rankings: dict[str, Ranked], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: ``sum(weight / (k + rank))`` over the rankings.

    Ties are broken by the order of first appearance (dense before BM25).
    """
    scores: dict[str, float] = {}
    for ranked in rankings.values():
        for rank, id in enumerate(ranked.ids, start=1):
            weight = ranked.weights[rank - 1] if ranked.weights else 1.0
            scores[id] = scores.get(id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


def standardize(values: np.ndarray) -> np.ndarray:
    """Values as standard deviations from their mean (comparable across retrievers and queries)."""
    std = float(values.std())
    return (values - float(values.mean())) / (std or 1.0)


def zscores(scores: dict[str, float]) -> dict[str, float]:
    if not scores:
        return {}
    return dict(zip(scores, standardize(np.fromiter(scores.values(), dtype=float)).tolist(), strict=True))


def fuse_zscores(
    dense: dict[str, float], lexical: dict[str, float], lexical_weights: dict[str, float], dense_weight: float = 0.5
) -> list[tuple[str, float]]:
    """Convex combination of z-normalised dense and BM25 scores.

    A chunk one retriever did not return gets that retriever's lowest z-score;
    ``lexical_weights`` scale BM25 per chunk (muted across languages).
    Ties keep the dense ranking's order, then BM25's.
    """
    dz, bz = zscores(dense), zscores(lexical)
    dfloor = min(dz.values(), default=0.0)
    bfloor = min(bz.values(), default=0.0)
    fused = {
        id: dense_weight * dz.get(id, dfloor) + (1 - dense_weight) * lexical_weights.get(id, 1.0) * bz.get(id, bfloor)
        for id in dict.fromkeys(
            [*dz, *bz]
        )  # insertion order: equal scores stay in dense-then-BM25 order, run after run
    }
    return sorted(fused.items(), key=lambda item: -item[1])
