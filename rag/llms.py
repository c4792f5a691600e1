"""Language models behind one narrow interface, built on llama-index's adapters.

Backends (registry name -> factory):
- ``llamacpp``: embedded llama.cpp model in this process (a preset or a GGUF path);
- ``ollama``: an Ollama server (``OLLAMA_HOST``), with ``num_ctx`` set explicitly;
- ``openai``: any OpenAI-compatible server (vLLM, llama.cpp server, Ollama's /v1).
``auto`` picks a configured server, else a reachable Ollama, else llama.cpp.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence
from urllib.parse import urlsplit

import httpx

from .errors import BackendUnavailable, ModelError
from .models import resolve_llm_path

log = logging.getLogger(__name__)
DEFAULT_OLLAMA = "http://127.0.0.1:11434"


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


class LLM(Protocol):
    """Streams a reply to a list of chat messages."""

    name: str
    context_window: int

    def count_tokens(self, text: str) -> int: ...
    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]: ...


REGISTRY: dict[str, Callable[..., LLM]] = {}


def register(name: str):
    """Register an LLM factory ``factory(settings) -> LLM`` under ``name``."""

    def decorator(factory):
        REGISTRY[name] = factory
        return factory

    return decorator


def ollama_url(host: str | None) -> str:
    """Normalise OLLAMA_HOST forms (``host``, ``host:port``, URL) to a base URL."""
    if not host:
        return DEFAULT_OLLAMA
    explicit_scheme = "://" in host
    parts = urlsplit(host if explicit_scheme else "http://" + host)
    hostname = parts.hostname if parts.hostname not in (None, "", "0.0.0.0") else "127.0.0.1"
    port = parts.port or (None if explicit_scheme else 11434)  # a bare host means Ollama's port
    netloc = f"{hostname}:{port}" if port else hostname
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def ollama_reachable(url: str, timeout: float = 0.5) -> bool:
    try:
        return httpx.get(f"{url}/api/version", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def resolve_backend(settings, probe: Callable[[str], bool] = ollama_reachable) -> str:
    """The backend ``auto`` stands for: configured server > reachable Ollama > embedded."""
    cfg = settings.llm
    if cfg.backend != "auto":
        return cfg.backend
    if cfg.openai_base_url:
        return "openai"
    if cfg.ollama_host:
        return "ollama"
    if probe(DEFAULT_OLLAMA):
        return "ollama"
    return "llamacpp"


def create(settings) -> LLM:
    backend = resolve_backend(settings)
    if backend not in REGISTRY:
        raise ModelError(f"unknown LLM backend {backend!r} — choose one of auto, {', '.join(sorted(REGISTRY))}")
    return REGISTRY[backend](settings)


def _to_llama_index(messages: Sequence[Message]):
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role=m.role, content=m.content) for m in messages]


def chatml(messages) -> str:
    """Qwen's ChatML template, ending with the assistant's turn."""
    parts = [f"<|im_start|>{m.role.value if hasattr(m.role, 'value') else m.role}\n{m.content}<|im_end|>\n" for m in messages]
    return "".join(parts) + "<|im_start|>assistant\n"


class LlamaCppLLM:
    """An embedded llama.cpp model through llama-index's ``LlamaCPP`` adapter."""

    def __init__(self, path: Path, context_window: int, max_tokens: int, temperature: float, seed: int, threads: int | None, label: str):
        self.name = f"llamacpp:{label}"
        self.context_window = context_window
        self._args = (path, max_tokens, temperature, seed, threads)
        self._llm = None
        self._lock = threading.Lock()  # one generation at a time per loaded model

    def _load(self):
        from llama_index.llms.llama_cpp import LlamaCPP

        path, max_tokens, temperature, seed, threads = self._args
        try:
            return LlamaCPP(
                model_path=str(path), temperature=temperature, max_new_tokens=max_tokens,
                context_window=self.context_window, verbose=False,
                messages_to_prompt=chatml, completion_to_prompt=lambda c: chatml([Message("user", c)]),
                generate_kwargs={"stop": ["<|im_end|>", "<|endoftext|>"], "seed": seed, "top_p": 0.9, "repeat_penalty": 1.05},
                model_kwargs={"n_threads": threads or os.cpu_count(), "seed": seed, "n_batch": 512, "verbose": False},
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot load {path} ({exc}) — run `newsdesk models provision --force` or set llm.model") from exc

    @property
    def llm(self):
        if self._llm is None:
            self._llm = self._load()
        return self._llm

    def as_llama_index(self):
        """The llama-index LLM object (for the naive-llamaindex baseline)."""
        return self.llm

    def count_tokens(self, text: str) -> int:
        return len(self.llm._model.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        llm = self.llm
        with self._lock:
            llm.generate_kwargs["max_tokens"] = max_tokens
            for response in llm.stream_chat(_to_llama_index(messages)):
                if response.delta:
                    yield response.delta


@register("llamacpp")
def _llamacpp(settings) -> LLM:
    cfg = settings.llm
    path = resolve_llm_path(Path(settings.models_dir), cfg.model)
    return LlamaCppLLM(path, cfg.context_window, cfg.max_tokens, cfg.temperature, cfg.seed, cfg.threads, label=cfg.model if "/" not in cfg.model else Path(cfg.model).name)


class ServerLLM:
    """A model behind an HTTP server, through a llama-index adapter."""

    def __init__(self, name: str, llm, context_window: int, describe: str):
        self.name = name
        self.context_window = context_window
        self._llm = llm
        self._describe = describe

    def as_llama_index(self):
        return self._llm

    def count_tokens(self, text: str) -> int:
        # Servers tokenise on their side; ~3.5 characters a token is a safe bound for FR/EN.
        return max(1, int(len(text) / 3.5) + 1)

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        try:
            for response in self._llm.stream_chat(_to_llama_index(messages)):
                if response.delta:
                    yield response.delta
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise BackendUnavailable(f"{self._describe} is unreachable — start it or change the llm settings") from exc
        except httpx.TimeoutException as exc:
            raise BackendUnavailable(f"{self._describe} did not answer in time — raise llm.timeout_s or check the server") from exc
        except Exception as exc:
            kind = type(exc).__name__  # the openai client wraps httpx errors in its own classes
            if kind == "APITimeoutError":
                raise BackendUnavailable(f"{self._describe} did not answer in time — raise llm.timeout_s or check the server") from exc
            if kind == "APIConnectionError":
                raise BackendUnavailable(f"{self._describe} is unreachable — start it or change the llm settings") from exc
            status = getattr(exc, "status_code", None)
            text = str(getattr(exc, "error", "") or exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            if status == 404 or "not found" in text.lower():
                raise ModelError(f"{self._describe}: {text}") from exc
            raise BackendUnavailable(f"{self._describe} failed: {text}") from exc


@register("ollama")
def _ollama(settings) -> LLM:
    from llama_index.llms.ollama import Ollama
    from ollama import ResponseError

    cfg = settings.llm
    url = ollama_url(cfg.ollama_host)
    model = cfg.ollama_model
    llm = Ollama(
        model=model, base_url=url, request_timeout=cfg.timeout_s, context_window=cfg.context_window,
        temperature=cfg.temperature, additional_kwargs={"num_predict": cfg.max_tokens, "seed": cfg.seed},
    )
    try:
        llm.client.show(model)
    except ResponseError as exc:
        if exc.status_code == 404:
            raise ModelError(f"Ollama at {url} has no model {model!r} — run `ollama pull {model}` or set llm.ollama_model") from exc
        raise BackendUnavailable(f"Ollama at {url} failed: {exc.error}") from exc
    except (httpx.HTTPError, ConnectionError) as exc:
        raise BackendUnavailable(f"Ollama at {url} is unreachable — start it (`ollama serve`) or unset OLLAMA_HOST to use the embedded model") from exc
    return ServerLLM(f"ollama:{model}", llm, cfg.context_window, f"Ollama at {url}")


@register("openai")
def _openai(settings) -> LLM:
    from llama_index.llms.openai_like import OpenAILike

    cfg = settings.llm
    if not cfg.openai_base_url:
        raise ModelError("llm.backend is openai but llm.openai_base_url is empty — set it to the server's /v1 URL")
    llm = OpenAILike(
        model=cfg.openai_model, api_base=cfg.openai_base_url, api_key=cfg.openai_api_key,
        is_chat_model=True, context_window=cfg.context_window, max_tokens=cfg.max_tokens,
        temperature=cfg.temperature, timeout=cfg.timeout_s, max_retries=0,
    )
    return ServerLLM(f"openai:{cfg.openai_model}", llm, cfg.context_window, f"OpenAI-compatible server at {cfg.openai_base_url}")
