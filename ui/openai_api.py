"""Newsdesk as an OpenAI-compatible model, served by the same app as the page: ``GET /v1/models`` and
``POST /v1/chat/completions`` (streaming or not).

The last user message is the question; the earlier user and assistant messages
are the conversation (follow-up questions work as in the page); system messages
are ignored. The reply is the checked answer with its ``[n]`` markers, then the
sources; the whole Answer object (as ``newsdesk ask --json`` prints it) rides in
the ``newsdesk`` field of the response, or of the last chunk of a stream.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from rag import Message, Pipeline, format_date
from rag.errors import NewsdeskError
from rag.events import AnswerEvent, SentenceEvent

MODEL = "newsdesk"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "invalid_request_error"}}, status_code=status)


def conversation(body: Any) -> tuple[str, list[Message]]:
    """(question, history) from a chat request's messages; raises ValueError with what is wrong."""
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or not messages:
        raise ValueError("messages must be a non-empty list")
    turns = []
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant", "developer"):
            raise ValueError("each message needs a role: system, user or assistant")
        content = m.get("content")
        if isinstance(content, list):  # the parts form: keep the text parts
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
        if not isinstance(content, str):
            raise ValueError("each message needs text content")
        if m["role"] in ("user", "assistant"):
            turns.append(Message(m["role"], content))
    if not turns or turns[-1].role != "user" or not turns[-1].content.strip():
        raise ValueError("the last message must be the user's question")
    return turns[-1].content, turns[:-1]


def sources_text(answer: Any) -> str:
    """The sources block appended to the reply text."""
    if answer.refused or not answer.citations:
        return ""
    heading = "Sources :" if answer.language == "fr" else "Sources:"
    lines = []
    for c in answer.citations:
        meta = ", ".join(p for p in (format_date(c.date, answer.language), c.source, c.url or "") if p)
        lines.append(f"[{c.n}] {c.title or c.article_id}" + (f" — {meta}" if meta else ""))
    return "\n\n" + heading + "\n" + "\n".join(lines)


class ChatCompletions:
    """The two routes over one pipeline."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    def routes(self) -> list[Route]:
        return [
            Route("/v1/models", self.models, methods=["GET"]),
            Route("/v1/chat/completions", self.completions, methods=["POST"]),
        ]

    async def models(self, request: Request) -> JSONResponse:
        model = {"id": MODEL, "object": "model", "created": 0, "owned_by": "newsdesk"}
        return JSONResponse({"object": "list", "data": [model]})

    async def completions(self, request: Request) -> Any:
        try:
            body = await request.json()
            question, history = conversation(body)
        except ValueError as exc:  # a JSON error is a ValueError too
            return _error(400, str(exc))
        if body.get("stream"):
            return StreamingResponse(self._stream(question, history), media_type="text/event-stream")
        try:
            answer = await run_in_threadpool(self.pipeline.ask, question, history)
        except NewsdeskError as exc:
            return _error(503, str(exc))
        reply = {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": answer.answer + sources_text(answer)},
                    "finish_reason": "stop",
                }
            ],
            "usage": _usage(answer),
            "newsdesk": answer.to_dict(),
        }
        return JSONResponse(reply)

    def _stream(self, question: str, history: list[Message]) -> Iterator[str]:
        """Server-sent chunks: each checked sentence as it comes, then what the final check changed, the sources
        and the Answer object. Iterated in a worker thread by Starlette."""
        chunk_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

        def chunk(delta: dict, finish: str | None = None, **extra: Any) -> str:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            body = {"id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": MODEL}
            return "data: " + json.dumps({**body, "choices": [choice], **extra}, ensure_ascii=False) + "\n\n"

        yield chunk({"role": "assistant", "content": ""})
        sent = ""
        try:
            for event in self.pipeline.ask_stream(question, history):
                if isinstance(event, SentenceEvent) and event.partial.answer.startswith(sent):
                    new, sent = event.partial.answer[len(sent) :], event.partial.answer
                    if new:
                        yield chunk({"content": new})
                elif isinstance(event, AnswerEvent):
                    answer = event.answer
                    final = answer.answer
                    # The final check may drop or replace sentences already sent: then the checked answer follows.
                    rest = final[len(sent) :] if final.startswith(sent) else ("\n\n— " if sent else "") + final
                    yield chunk({"content": rest + sources_text(answer)})
                    yield chunk({}, "stop", usage=_usage(answer), newsdesk=answer.to_dict())
        except NewsdeskError as exc:
            yield chunk({"content": f"\n\n(error: {exc})"}, "stop")
        yield "data: [DONE]\n\n"


def _usage(answer: Any) -> dict[str, int]:
    prompt, completion = answer.tokens.get("prompt") or 0, answer.tokens.get("completion") or 0
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
