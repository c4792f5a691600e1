"""Models behind HTTP servers, through llama-index's adapters: Ollama and any OpenAI-compatible server.

Each call's token limit reaches the server (Ollama's ``num_predict``, OpenAI's
``max_tokens``): an adapter is built per limit and kept. Ollama's context is
set explicitly (``num_ctx``), since its default silently truncates long prompts.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rag.errors import BackendUnavailable, ModelError
from rag.models.llms import LLM, ollama_url
from rag.problems import Problem
from rag.types import Message

if TYPE_CHECKING:
    from llama_index.core.llms import LLM as LlamaIndexLLM

    from rag.settings import Settings

CHARS_PER_TOKEN = 3.5  # servers tokenise on their side; a safe bound for French and English


class ServerLLM:
    """A model behind an HTTP server; ``adapter(max_tokens)`` builds the llama-index LLM for one token limit."""

    def __init__(self, name: str, adapter: Callable[[int], LlamaIndexLLM], context_window: int, describe: str):
        self.name = name
        self.context_window = context_window
        self._adapter = adapter
        self._adapters: dict[int, LlamaIndexLLM] = {}
        self._lock = threading.Lock()
        self._describe = describe

    def count_tokens(self, text: str) -> int:
        return max(1, int(len(text) / CHARS_PER_TOKEN) + 1)

    def _for(self, max_tokens: int) -> LlamaIndexLLM:
        with self._lock:
            if max_tokens not in self._adapters:
                self._adapters[max_tokens] = self._adapter(max_tokens)
            return self._adapters[max_tokens]

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        from llama_index.core.llms import ChatMessage

        chat = [ChatMessage(role=m.role, content=m.content) for m in messages]
        try:
            for response in self._for(max_tokens).stream_chat(chat):
                if response.delta:
                    yield response.delta
        except Exception as exc:
            raise self._failure(exc) from exc

    def _failure(self, exc: Exception) -> Exception:
        """The one-line error for a failed call, by the httpx or openai error it is."""
        import httpx

        openai = sys.modules.get("openai")  # the OpenAI adapter wraps httpx errors in its own classes
        if isinstance(exc, httpx.TimeoutException) or (openai and isinstance(exc, openai.APITimeoutError)):
            return BackendUnavailable(Problem("llm_timeout", server=self._describe))
        if isinstance(exc, (httpx.ConnectError, ConnectionError)) or (
            openai and isinstance(exc, openai.APIConnectionError)
        ):
            return BackendUnavailable(Problem("llm_unreachable", server=self._describe))
        status = getattr(exc, "status_code", None)
        text = str(getattr(exc, "error", "") or exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        if status == 404 or "not found" in text.lower():
            return ModelError(Problem("at", where=self._describe, reason=text))
        return BackendUnavailable(Problem("llm_failed", server=self._describe, error=text))


def create_ollama(settings: Settings) -> LLM:
    """The ``ollama`` backend (see ``llms.REGISTRY``)."""
    import httpx
    from llama_index.llms.ollama import Ollama
    from ollama import ResponseError

    cfg = settings.llm
    url = ollama_url(cfg.ollama_host)

    def adapter(max_tokens: int) -> Any:
        return Ollama(
            model=cfg.ollama_model,
            base_url=url,
            request_timeout=cfg.timeout_s,
            context_window=cfg.context_window,
            temperature=cfg.temperature,
            additional_kwargs={"num_predict": max_tokens, "seed": cfg.seed},
        )

    try:
        adapter(cfg.max_tokens).client.show(cfg.ollama_model)
    except ResponseError as exc:
        if exc.status_code == 404:
            raise ModelError(Problem("ollama_no_model", url=url, model=cfg.ollama_model)) from exc
        raise BackendUnavailable(Problem("llm_failed", server=Problem("ollama", url=url), error=exc.error)) from exc
    except (httpx.HTTPError, ConnectionError) as exc:
        raise BackendUnavailable(Problem("ollama_down", url=url)) from exc
    return ServerLLM(f"ollama:{cfg.ollama_model}", adapter, cfg.context_window, Problem("ollama", url=url))


def create_openai(settings: Settings) -> LLM:
    """The ``openai`` backend (see ``llms.REGISTRY``)."""
    from llama_index.llms.openai_like import OpenAILike

    cfg = settings.llm
    if not cfg.openai_base_url:
        raise ModelError("llm.backend is openai but llm.openai_base_url is empty — set it to the server's /v1 URL")

    def adapter(max_tokens: int) -> Any:
        return OpenAILike(
            model=cfg.openai_model,
            api_base=cfg.openai_base_url,
            api_key=cfg.openai_api_key,
            is_chat_model=True,
            context_window=cfg.context_window,
            max_tokens=max_tokens,
            temperature=cfg.temperature,
            timeout=cfg.timeout_s,
            max_retries=0,
        )

    return ServerLLM(
        f"openai:{cfg.openai_model}", adapter, cfg.context_window, Problem("openai_server", url=cfg.openai_base_url)
    )
