"""Word shingles and their overlap: how near-duplicates are told, articles (wire copies) and passages alike. Pure."""

from __future__ import annotations

import re

NEAR_DUPLICATE = 0.8  # Jaccard overlap of shingles from which two texts are copies of one another


def shingles(text: str, n: int) -> set[str]:
    """The ``n``-word shingles of ``text`` (lower-cased words); one shingle for shorter texts."""
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / (len(a | b) or 1)
