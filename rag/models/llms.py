"""Language models behind one narrow interface, chosen by name from a registry.

Backends: ``llamacpp`` (an embedded llama.cpp model: a preset or a GGUF path,
``llamacpp.py``), ``ollama`` (an Ollama server, ``num_ctx`` set explicitly) and
``openai`` (any OpenAI-compatible server: vLLM, llama.cpp server, Ollama's /v1),
both through llama-index's adapters (``servers.py``). ``auto`` picks a
configured server, else a reachable Ollama, else llama.cpp.

The embedded model also tells how sure it is of a yes-or-no reply
(``yes_probability``); a backend without it is read by its reply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from rag.models.registry import Registry
from rag.types import Message

if TYPE_CHECKING:
    from rag.settings import Settings

DEFAULT_OLLAMA = "http://127.0.0.1:11434"
OLLAMA_PORT = 11434
PROBE_TIMEOUT_S = 0.5


class LLM(Protocol):
    """Streams a reply to a list of chat messages."""

    @property
    def name(self) -> str: ...
    @property
    def context_window(self) -> int: ...
    def count_tokens(self, text: str) -> int: ...
    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]: ...


REGISTRY: Registry[LLM] = Registry("LLM", extra_names=("auto",))
REGISTRY.update(
    {
        "llamacpp": "rag.models.llamacpp:create",
        "ollama": "rag.models.servers:create_ollama",
        "openai": "rag.models.servers:create_openai",
    }
)


def ollama_url(host: str | None) -> str:
    """Normalise OLLAMA_HOST forms (``host``, ``host:port``, URL) to a base URL."""
    if not host:
        return DEFAULT_OLLAMA
    explicit_scheme = "://" in host
    parts = urlsplit(host if explicit_scheme else "http://" + host)
    hostname = parts.hostname if parts.hostname not in (None, "", "0.0.0.0") else "127.0.0.1"
    port = parts.port or (None if explicit_scheme else OLLAMA_PORT)  # a bare host means Ollama's port
    netloc = f"{hostname}:{port}" if port else hostname
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def ollama_reachable(url: str, timeout: float = PROBE_TIMEOUT_S) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/api/version", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def resolve_backend(settings: Settings, probe: Callable[[str], bool] = ollama_reachable) -> str:
    """The backend ``auto`` stands for: configured server > reachable Ollama > embedded."""
    cfg = settings.llm
    if cfg.backend != "auto":
        return cfg.backend
    if cfg.openai_base_url:
        return "openai"
    if cfg.ollama_host or probe(DEFAULT_OLLAMA):
        return "ollama"
    return "llamacpp"


def create(settings: Settings) -> LLM:
    """The LLM the settings name (``auto`` resolved)."""
    return REGISTRY.create(resolve_backend(settings), settings)
