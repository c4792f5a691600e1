"""The connection to Chroma: embedded (``PersistentClient`` in the data directory) or a server (``store.url``).

Every Chroma call goes through ``Chroma.call``, which turns its failures into
one-line errors that say what to do. Chroma raises plain exceptions for the
embedded store's disk and permission failures (its SQLite and HNSW files), so
those are recognised by their message (``failure_kind``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rag.errors import BackendUnavailable, StoreError
from rag.problems import Problem

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

    from rag.settings import Settings

PAGE = 2000  # records per read: Chroma answers large gets slowly and in one block of memory
DEFAULT_PORT = 8000

_DISK_FULL = ("no space", "disk is full")
_READ_ONLY = ("read-only", "readonly", "unable to open database file", "permission denied")


def failure_kind(message: str) -> str:
    """``disk-full``, ``read-only`` or ``other``, from what Chroma's embedded store said."""
    lowered = message.lower()
    if any(s in lowered for s in _DISK_FULL):
        return "disk-full"
    if any(s in lowered for s in _READ_ONLY):
        return "read-only"
    return "other"


def first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


class Chroma:
    """One Chroma client, its collections, and error handling; reconnects after a server failure."""

    def __init__(self, settings: Settings, name: str):
        self._settings = settings
        self.name = name
        self._client: ClientAPI | None = None
        self._collections: dict[str, Collection] = {}
        self._lock = threading.RLock()

    @property
    def url(self) -> str | None:
        return self._settings.store.url

    @property
    def location(self) -> str:
        return self.url or str(Path(self._settings.data_dir) / "store")

    @property
    def client(self) -> ClientAPI:
        with self._lock:
            if self._client is None:
                self._client = self._connect()
            return self._client

    def _connect(self) -> ClientAPI:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self.url:
            parts = urlsplit(self.url if "://" in self.url else "http://" + self.url)
            try:
                client = chromadb.HttpClient(
                    host=parts.hostname or "127.0.0.1",
                    port=parts.port or (443 if parts.scheme == "https" else DEFAULT_PORT),
                    ssl=parts.scheme == "https",
                    settings=chroma_settings,
                )
                client.heartbeat()
            except Exception as exc:
                raise BackendUnavailable(Problem("chroma_down", url=self.url, error=type(exc).__name__)) from exc
            return client
        path = Path(self.location)
        try:
            path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as exc:
            if failure_kind(first_line(exc)) == "read-only":
                raise StoreError(
                    f"the store at {path} is read-only — make the data directory writable or set NEWSDESK_DATA_DIR"
                ) from exc
            raise StoreError(
                f"cannot open the store at {path} ({first_line(exc)}) — check the data directory (NEWSDESK_DATA_DIR)"
            ) from exc

    def close(self) -> None:
        """Release the client (an embedded store's files close once no other client of this process uses them)."""
        with self._lock:
            client, self._client = self._client, None
            self._collections.clear()
        if client is not None:
            client.close()  # type: ignore[attr-defined]  # on chromadb's Client, not on its abstract ClientAPI

    def forget(self) -> None:
        """Drop cached collection handles (after renames)."""
        with self._lock:
            self._collections.clear()

    def call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a Chroma call, turning its failures into one-line errors (and reconnecting next time).

        Results are Chroma's own (loosely typed) dicts; the store turns them into records at once.
        """
        try:
            return fn(*args, **kwargs)
        except (StoreError, BackendUnavailable):
            raise
        except Exception as exc:
            message = first_line(exc)
            if self.url:
                with self._lock:
                    self._client = None
                    self._collections.clear()
                raise BackendUnavailable(
                    f"Chroma server at {self.url} failed to {what} ({message}) — check that it is running"
                ) from exc
            kind = failure_kind(message)
            if kind == "disk-full":
                raise StoreError(Problem("disk_full", what=what, error=message)) from exc
            if kind == "read-only":
                raise StoreError(Problem("read_only", what=what, error=message)) from exc
            raise StoreError(f"cannot {what}: {message}") from exc

    def names(self) -> set[str]:
        return {
            c if isinstance(c, str) else c.name for c in self.call("list collections", self.client.list_collections)
        }

    def get(self, name: str) -> Collection:
        return self.call("open a collection", self.client.get_collection, name, embedding_function=None)

    def rename(self, old: str, new: str) -> None:
        self.call("rename a collection", self.get(old).modify, name=new)
        self.forget()

    def delete(self, name: str) -> None:
        self.call("delete a collection", self.client.delete_collection, name)
        self.forget()

    def metadata(self, collection: Collection) -> dict[str, Any]:
        """A collection's metadata as the server has it now (another process may have changed it)."""
        if self.url:
            collection = self.get(collection.name)
        return dict(collection.metadata or {})

    def collection(self, kind: str, create: bool, before_create: Callable[[], None] | None = None) -> Collection | None:
        """``<name>_<kind>``, created with the configured HNSW graph when ``create``; None when it does not exist."""
        name = f"{self.name}_{kind}"
        with self._lock:
            if name in self._collections:
                return self._collections[name]
            cfg = self._settings.store
            if name not in self.names():
                if before_create is not None:
                    before_create()
                if not create:
                    return None
                # Chroma's defaults (16 links, build breadth 100) gave a graph that missed the true nearest chunk for
                # ~1 query in 40 on these compressed embeddings, whatever the search breadth; 32/200 found it
                # every time.
                hnsw = {
                    "space": "cosine",
                    "ef_search": cfg.hnsw_ef_search,
                    "max_neighbors": cfg.hnsw_max_neighbors,
                    "ef_construction": cfg.hnsw_ef_construction,
                }
                col = self.call(
                    "create the collections",
                    self.client.get_or_create_collection,
                    name,
                    configuration={"hnsw": hnsw},
                    embedding_function=None,
                )
            else:
                col = self.get(name)
            if kind == "chunks" and (col.configuration.get("hnsw") or {}).get("ef_search") != cfg.hnsw_ef_search:
                # Search breadth is a query-time setting: stores made before it (or with another value) follow it.
                self.call(
                    "configure the collection", col.modify, configuration={"hnsw": {"ef_search": cfg.hnsw_ef_search}}
                )
            self._collections[name] = col
            return col

    def paged(
        self, collection: Collection, include: list[str], where: dict[str, Any] | None = None
    ) -> Iterator[tuple[list, list, list]]:
        """(ids, metadatas, documents) of ``collection``, ``PAGE`` records at a time."""
        offset = 0
        while True:
            page = self.call("read the store", collection.get, where=where, include=include, limit=PAGE, offset=offset)
            ids = page["ids"]
            if not ids:
                return
            yield ids, page.get("metadatas") or [None] * len(ids), page.get("documents") or [None] * len(ids)
            if len(ids) < PAGE:
                return
            offset += PAGE
