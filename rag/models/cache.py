"""A disk cache of document vectors by embedder id and text: nothing is embedded twice (re-adds, reindexes, evals)."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from rag.models.embedders import Embedder


log = logging.getLogger(__name__)
SQL_BATCH = 500  # keys per SELECT (SQLite's default limit on host parameters is 999)


class CachedEmbedder:
    """Wraps an embedder with a persistent cache of document vectors."""

    def __init__(self, inner: Embedder, path: Path):
        self.inner = inner
        self._path = path
        self._local = threading.local()

    @property
    def id(self) -> str:
        return self.inner.id

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def max_tokens(self) -> int:
        return self.inner.max_tokens

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self._path, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
            self._local.db = db
        return db

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.inner.id}\x00{text}".encode()).hexdigest()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        try:
            db = self._db()
            for start in range(0, len(keys), SQL_BATCH):
                part = keys[start : start + SQL_BATCH]
                rows = db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        except sqlite3.Error as exc:
            log.warning("embedding cache unavailable (%s); embedding without it", exc)
            db = None
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            fresh = self.inner.embed_documents([texts[i] for i in missing])
            for i, vec in zip(missing, fresh, strict=True):
                found[keys[i]] = vec
            if db is not None:
                try:
                    with db:
                        db.executemany(
                            "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                            [
                                (keys[i], np.asarray(vec, dtype=np.float32).tobytes())
                                for i, vec in zip(missing, fresh, strict=True)
                            ],
                        )
                except sqlite3.Error as exc:
                    log.warning("could not write the embedding cache (%s)", exc)
        return np.stack([found[k] for k in keys]).astype(np.float32)
