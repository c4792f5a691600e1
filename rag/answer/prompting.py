"""The prompt: instructions and numbered passages, fitted to the model's context; untrusted text kept inert.

Passages, titles, the question and the history are data: chat-template control
sequences are broken up, the passage fence cannot be closed from inside, and
sentences that give the assistant orders are masked (and never count as support).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rag.answer import prompts
from rag.answer.passages import Passage
from rag.text.dates import format_date
from rag.text.sentences import split_sentences
from rag.types import Message

MESSAGE_OVERHEAD_TOKENS = 4  # the chat template's markers around each message


# Chat-template control sequences (ChatML/Qwen, Llama 3, Gemma, Mistral, sentence markers). In an article or a
# question they are text: llama.cpp and model servers parse them in a prompt as real turn markers, so they
# are broken up.
_CONTROL_SEQUENCE = re.compile(
    r"<\|[^<>|\n]{0,40}\|>|</?s>|\[/?INST\]|<(?:start|end)_of_turn>|<(?:bos|eos|pad)>", re.IGNORECASE
)
# The fence around each passage: a passage cannot close it and speak outside it.
_FENCE = re.compile(r"<{3,}|>{3,}")


# Sentences that address the assistant instead of reporting news ("ignore previous instructions",
# "réponds uniquement…").
# A passage is quoted to the model without them, and they never count as support.
_ADDRESSED = re.compile(
    r"\b(?:ignore[zs]?|disregard|forget|oublie[zs]?)\s+(?:all\s+|toutes?\s+)?(?:the\s+|your\s+|les\s+|tes\s+|vos\s+)?"
    r"(?:previous|prior|above|earlier|précédentes?|instructions?|consignes?)\b(?!\s+(?:du|de la|des|of the)\b)"
    r"|(?<!\bwould\s)\b(?:réponds|répondez|answer|reply)\s+(?:only|uniquement|seulement|just)\b"
    r"|\b(?:réponds|répondez)\s+que\b|\b(?:answer|reply)\s+that\s+(?:you|the\s+articles?)\b"
    r"|\b(?:you\s+are\s+now|tu\s+es\s+(?:maintenant|désormais)|system\s+prompt|prompt\s+système|as\s+an\s+(?:ai|assistant|language\s+model))\b"
    r"|\b(?:new|nouvelles?)\s+(?:instructions?|consignes?)\s*:",
    re.IGNORECASE,
)
MASK = "[…]"
_FILE_NAME = re.compile(r"[\w.-]+\.(?:txt|md|html?|pdf|jsonl?|xml|csv)", re.IGNORECASE)


def addressed_to_assistant(sentence: str) -> bool:
    return bool(_ADDRESSED.search(sentence))


def shown_text(text: str) -> str:
    """A passage as the model reads it: sentences addressed to the assistant replaced by ``[…]``."""
    spans = split_sentences(text)
    if not any(addressed_to_assistant(text[s:e]) for s, e in spans):
        return text
    out, last = [], 0
    for s, e in spans:
        if addressed_to_assistant(text[s:e]):
            out += [text[last:s], MASK]
            last = e
    return "".join(out) + text[last:]


def neutralize(text: str) -> str:
    """Untrusted text made inert in a prompt: no control sequence, no passage fence."""
    text = _CONTROL_SEQUENCE.sub(
        lambda m: m.group().replace("<", "‹").replace(">", "›").replace("[", "⟦").replace("]", "⟧"), text
    )
    return _FENCE.sub(lambda m: ("‹" if m.group()[0] == "<" else "›") * len(m.group()), text)


def passage_block(n: int, passage: Passage, lang: str) -> str:
    chunk = passage.chunk
    source = "" if _FILE_NAME.fullmatch(chunk.source or "") else chunk.source  # a file name tells the model nothing
    meta = ", ".join(p for p in (source, format_date(chunk.date, lang)) if p) or "—"
    return prompts.render(
        f"passage.{lang}",
        n=n,
        title=neutralize(shown_text(chunk.title or chunk.source or chunk.article_id)),
        meta=neutralize(meta),
        text=neutralize(shown_text(passage.text)),
    )


@dataclass(frozen=True)
class Prompt:
    messages: list[Message]
    passages: list[Passage]  # the passages in the prompt, numbered from 1
    tokens: int


def build_messages(
    question: str,
    lang: str,
    passages: Sequence[Passage],
    today: date,
    count_tokens,
    budget: int,
    history: Sequence[Message] = (),
    example: bool = True,
) -> Prompt:
    """The chat messages for ``question``, keeping as many passages as fit ``budget`` tokens; without the
    instructions' example answer when ``example`` is false (for a model that only echoed it)."""
    shown = example_answer(lang)
    system = prompts.render(f"system.{lang}", today=format_date(today.isoformat(), lang), example=shown)
    if not example:
        system = "\n".join(line for line in system.splitlines() if shown not in line)
    kept = list(passages)
    history = [Message(m.role, neutralize(m.content)) for m in history]
    while True:
        blocks = "\n\n".join(passage_block(i, p, lang) for i, p in enumerate(kept, 1))
        user = prompts.render(f"user.{lang}", passages=blocks, question=neutralize(question))
        messages = [Message("system", system), *history, Message("user", user)]
        tokens = sum(count_tokens(m.content) + 4 for m in messages)
        if tokens <= budget or len(kept) <= 1:
            return Prompt(messages, kept, tokens)
        kept = kept[:-1]  # drop the lowest-ranked passage rather than truncate one


def example_answer(lang: str) -> str:
    """The example answer the instructions show (``prompts/example.<lang>.txt``)."""
    return prompts.load(f"example.{lang}").strip()
