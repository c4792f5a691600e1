"""Near-duplicate articles (syndicated wire copy): MinHash signatures of word shingles in an LSH index (datasketch),
so that a new article is compared with the whole archive at once."""

from __future__ import annotations

import base64

import numpy as np

from rag.text.shingles import NEAR_DUPLICATE, shingles

NUM_PERM = 64
SCHEME = "affine32"  # datasketch's permutation scheme; stored signatures depend on it
SHINGLE = 5  # words per shingle: articles are long, five-word runs are specific


def signature(text: str) -> str:
    """A compact MinHash signature of the text's 5-word shingles (base64)."""
    from datasketch import MinHash

    mh = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    mh.update_batch([s.encode("utf-8") for s in shingles(text, SHINGLE)])
    return base64.b64encode(mh.hashvalues.astype("<u4").tobytes()).decode("ascii")


def _minhash(encoded: str):
    from datasketch import MinHash

    values = np.frombuffer(base64.b64decode(encoded), dtype="<u4").astype(np.uint32)
    return MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashvalues=values)


class NearDuplicates:
    """An LSH index of article signatures: which stored article does a new one copy?"""

    def __init__(self, threshold: float = NEAR_DUPLICATE):
        from datasketch import MinHashLSH

        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._sigs: dict[str, object] = {}

    def add(self, article_id: str, encoded: str) -> None:
        if not encoded or article_id in self._sigs:
            return
        mh = _minhash(encoded)
        self._lsh.insert(article_id, mh)
        self._sigs[article_id] = mh

    def remove(self, article_id: str) -> None:
        if article_id in self._sigs:
            self._lsh.remove(article_id)
            del self._sigs[article_id]

    def match(self, article_id: str, encoded: str) -> str | None:
        """The most similar other article above the threshold, if any."""
        mh = _minhash(encoded)
        best, best_sim = None, 0.0
        for other in self._lsh.query(mh):
            if other == article_id:
                continue
            sim = mh.jaccard(self._sigs[other])
            if sim > best_sim:
                best, best_sim = other, sim
        return best
