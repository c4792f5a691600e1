"""The embedder guard: an index records the embedder that built it, and nothing mixes two vector spaces."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.errors import StoreError
from rag.store.writes import writable
from rag.types import vector_space

if TYPE_CHECKING:
    from rag.store.index import Store


def check_embedder(store: Store, embedder_id: str, dim: int, create: bool = False) -> None:
    """Refuse to mix vector spaces: the index records the embedder that built it."""
    if create:
        writable(store)
    chunks = store.collection("chunks", create)
    if chunks is None:
        return
    meta = store.chroma.metadata(chunks)
    stored_id, stored_dim = meta.get("embedder"), meta.get("dim")
    if stored_id is None:
        if create:
            store.chroma.call(
                "record the embedder",
                chunks.modify,
                metadata={**meta, "embedder": embedder_id, "dim": dim, "generation": meta.get("generation", 0)},
            )
        return
    if vector_space(stored_id) != vector_space(embedder_id) or int(stored_dim or 0) != dim:
        raise StoreError(
            f"the index was built with embedder {stored_id} ({stored_dim}-d) but the current embedder is "
            f"{embedder_id} ({dim}-d) — run `newsdesk reindex` to rebuild it, or set embedder.model back"
        )


def indexed_embedder(store: Store) -> str | None:
    chunks = store.collection("chunks")
    return None if chunks is None else store.chroma.metadata(chunks).get("embedder")
