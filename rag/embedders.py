"""Embedders behind one narrow interface, chosen by name from a registry.

The default backend runs a sentence-transformers model (the converted
multilingual-e5-small preset, or any model id or folder) on the CPU, with the
``query: ``/``passage: `` prompts the model expects. Document vectors are
cached on disk by embedder id and text hash, so re-adding, reindexing or
evaluating the same text never embeds it twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from .errors import ModelError
from .models import EMBEDDER_PRESETS, resolve_embedder_path

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors."""

    id: str  # identity recorded in the index; a different id needs a reindex
    dim: int
    max_tokens: int  # content tokens a document may have before the encoder truncates

    def count_tokens(self, text: str) -> int: ...
    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...
    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


REGISTRY: dict[str, Callable[..., Embedder]] = {}


def register(name: str):
    """Register an embedder factory ``factory(settings) -> Embedder`` under ``name``."""

    def decorator(factory):
        REGISTRY[name] = factory
        return factory

    return decorator


def create(settings) -> Embedder:
    """The embedder named by ``settings.embedder.backend``, wrapped with the disk cache."""
    backend = settings.embedder.backend
    if backend not in REGISTRY:
        raise ModelError(f"unknown embedder backend {backend!r} — choose one of {', '.join(sorted(REGISTRY))}")
    inner = REGISTRY[backend](settings)
    if not settings.embedder.cache:
        return inner
    return CachedEmbedder(inner, Path(settings.models_dir) / "cache" / "embeddings.sqlite")


def embedder_id(model: str) -> str:
    preset = EMBEDDER_PRESETS.get(model)
    return f"{model}@{preset.package.replace('==', '-')}" if preset else model


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded on first use."""

    def __init__(self, model: str, path: str, max_seq_length: int = 512, batch_size: int = 16, threads: int | None = None):
        self.id = embedder_id(model)
        self._path = path
        self._max_seq_length = max_seq_length
        self._batch_size = batch_size
        self._threads = threads
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    def _load(self):
        import torch
        from sentence_transformers import SentenceTransformer

        if self._threads:
            torch.set_num_threads(self._threads)
        local = os.path.isdir(self._path)
        try:
            model = SentenceTransformer(self._path, device="cpu", local_files_only=local or os.environ.get("HF_HUB_OFFLINE") == "1")
        except Exception as exc:  # hub errors, missing files, bad configs
            raise ModelError(f"cannot load embedder {self._path!r} ({type(exc).__name__}: {str(exc).splitlines()[0][:160]}) — "
                             "run `newsdesk models provision` or set embedder.model to a local sentence-transformers folder") from exc
        model.max_seq_length = min(self._max_seq_length, model.max_seq_length or self._max_seq_length)
        return model

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        prompt = (self.model.prompts or {}).get("document", "")
        return self.model.max_seq_length - 2 - (self.count_tokens(prompt) if prompt else 0)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _encode(self, texts: Sequence[str], prompt_name: str) -> np.ndarray:
        model = self.model
        name = prompt_name if prompt_name in (model.prompts or {}) else None
        vectors = model.encode(list(texts), prompt_name=name, batch_size=self._batch_size,
                               normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "document")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query")


@register("torch")
def _torch_embedder(settings) -> Embedder:
    cfg = settings.embedder
    path = resolve_embedder_path(Path(settings.models_dir), cfg.model)
    return SentenceTransformerEmbedder(cfg.model, path, cfg.max_seq_length, cfg.batch_size, cfg.threads)


INT8_SUFFIX = "+ov-int8"


def vector_space(id: str) -> str:
    """The model an embedder id names, without the suffix of its int8 build.

    The int8 build writes vectors in the model's own space (cosine ≥ 0.997 to fp32), so an
    index built by either can be read and extended by the other.
    """
    return id.removesuffix(INT8_SUFFIX)


@register("openvino-int8")
def _openvino_embedder(settings) -> Embedder:
    from .openvino_backend import OpenVINOEmbedder

    cfg = settings.embedder
    path = Path(resolve_embedder_path(Path(settings.models_dir), cfg.model))
    if not path.is_dir():
        raise ModelError(f"the openvino-int8 backend needs a local model folder; {cfg.model!r} is not one — provision a preset or use backend torch")
    return OpenVINOEmbedder(embedder_id(cfg.model) + INT8_SUFFIX, path, cfg.max_seq_length, cfg.batch_size, cfg.threads)


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
        return hashlib.sha1(f"{self.inner.id}\x00{text}".encode("utf-8")).hexdigest()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        try:
            db = self._db()
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                rows = db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        except sqlite3.Error as exc:
            log.warning("embedding cache unavailable (%s); embedding without it", exc)
            db = None
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            fresh = self.inner.embed_documents([texts[i] for i in missing])
            for i, vec in zip(missing, fresh):
                found[keys[i]] = vec
            if db is not None:
                try:
                    with db:
                        db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                       [(keys[i], np.asarray(vec, dtype=np.float32).tobytes()) for i, vec in zip(missing, fresh)])
                except sqlite3.Error as exc:
                    log.warning("could not write the embedding cache (%s)", exc)
        return np.stack([found[k] for k in keys]).astype(np.float32)
