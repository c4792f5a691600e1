"""The embedded model: a GGUF file run by llama.cpp in this process, with the chat template the file carries.

``create_chat_completion`` applies the model's own template (its GGUF
metadata); text inside messages is made inert upstream (``answer.prompting``),
since llama.cpp reads control tokens in the rendered prompt.

A prompt is evaluated in batches cut at multiples of ``BATCH_TOKENS`` from
its first token, and at the end of its first turn, the instructions
(``batch_starts``), whatever the context held before (``aligned``): llama.cpp
reuses the cached start a new prompt shares with the last one, and the rest,
evaluated in batches cut elsewhere, gives logits that differ by up to 0.4. The
same question then drafted differently alone and after another one (« What did
Beijing say about the Paris Agreement? » after "Why is China important to
Russia?"). Reusing the cached start only down to a cut both prompts share gives
the logits of a fresh context, bit for bit. The cut at the end of the
instructions lets the next question reuse all of them when it shares little
more: whole batches of 64 held 128 of the ~154 French instruction tokens and
64 of the ~116 English ones (~0.5 and ~1 s of each first token on two cores).
A cut also ends the first quoted block after the instructions (``BLOCK_END``):
the second opinion asks two questions about one extract, one after the other
(does it state this sentence, does it answer the question), and the second
reuses all of the extract, not only its whole batches (0.89 s instead of
1.18 s at the median). In an answer prompt the cut falls after the first
passage, for ~0.1 s more of its first token.

``yes_probability`` reads how sure the model is of a yes-or-no reply: the
share of yes in the probability its first token gives to yes and to no.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import ModelError
from rag.lazy import Lazy
from rag.models.catalog import resolve_llm_path
from rag.models.llms import LLM
from rag.types import Message

if TYPE_CHECKING:
    from llama_cpp import Llama

    from rag.settings import Settings

YES, NO = ("yes", "Yes", "YES", "oui", "Oui"), ("no", "No", "NO", "non", "Non")  # a reply's first word, as tokens
BATCH_TOKENS = 64  # prompt tokens per llama.cpp batch, and the step of the cached start a prompt reuses
BLOCK_END = b">>>\n\n"  # a quoted block's end in the prompts (prompts/extract.*, passage.*), in the tokens it has there
TOP_P = 0.9
REPEAT_PENALTY = 1.05


class LlamaCppLLM:
    """An embedded llama.cpp model, loaded on first use; one generation at a time."""

    def __init__(self, path: Path, context_window: int, temperature: float, seed: int, threads: int | None, label: str):
        self.name = f"llamacpp:{label}"
        self.context_window = context_window
        self._path = path
        self._temperature = temperature
        self._seed = seed
        self._args = (path, context_window, temperature, seed, threads, label)
        self._model: Lazy[Llama] = Lazy(lambda: self._load(threads))
        self._generating = threading.RLock()  # ``yes_probability`` reads the logits its own generation left

    def _load(self, threads: int | None) -> Llama:
        try:
            return aligned()(
                model_path=str(self._path),
                n_ctx=self.context_window,
                n_threads=threads or os.cpu_count(),
                n_batch=BATCH_TOKENS,
                seed=self._seed,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelError(
                f"cannot load {self._path} ({exc}) — run `newsdesk models provision --force` or set llm.model"
            ) from exc

    def fork(self) -> LlamaCppLLM:
        """The same model in a context of its own (the weights are mapped once, shared): its prompt cache and
        generations do not disturb this one's."""
        return LlamaCppLLM(*self._args)

    def count_tokens(self, text: str) -> int:
        return len(self._model.get().tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def yes_probability(self, messages: Sequence[Message]) -> float:
        """How likely the reply to ``messages`` begins with yes rather than no, from its first token's logits."""
        import numpy as np

        model = self._model.get()
        with self._generating:
            "".join(self.stream(messages, 1))
            logits = np.ctypeslib.as_array(model._ctx.get_logits_ith(-1), shape=(model.n_vocab(),))
            yes, no = (np.exp(logits[self._first_tokens(words)] - logits.max()).sum() for words in (YES, NO))
        return float(yes / (yes + no))

    def _first_tokens(self, words: Sequence[str]) -> list[int]:
        """The first token of each of ``words``, alone and after a space."""
        model = self._model.get()
        spelled = {w.encode() for word in words for w in (word, f" {word}")}
        return sorted({model.tokenize(w, add_bos=False, special=False)[0] for w in spelled})

    def stream(self, messages: Sequence[Message], max_tokens: int) -> Iterator[str]:
        model = self._model.get()
        chat: list[Any] = [{"role": m.role, "content": m.content} for m in messages]
        with self._generating:
            model.prompt_pending = True  # type: ignore[attr-defined]  # see ``aligned``
            stream = model.create_chat_completion(
                chat,
                stream=True,
                max_tokens=max_tokens,
                temperature=self._temperature,
                seed=self._seed,
                top_p=TOP_P,
                repeat_penalty=REPEAT_PENALTY,
            )
            try:
                for chunk in stream:
                    delta = chunk["choices"][0]["delta"].get("content")  # type: ignore[index,union-attr]
                    if delta:
                        yield str(delta)
            finally:
                stream.close()  # type: ignore[union-attr]  # a reader that stops early stops the generation


def batch_starts(prompt: Sequence[int], size: int, end_of_turn: int, block_end: Sequence[int] = ()) -> list[int]:
    """Where the batches of ``prompt`` start: every ``size`` tokens from its first one, at the end of its first turn
    (after its first ``end_of_turn`` token, when one ends the instructions before the prompt's end), and after the
    first ``block_end`` that follows."""
    starts = set(range(0, len(prompt), size))
    if end_of_turn in prompt:
        turn = prompt.index(end_of_turn) + 1
        starts.add(turn)
        n, end = len(block_end), list(block_end)
        for i in range(turn, len(prompt) - n + 1) if n else ():
            if list(prompt[i : i + n]) == end:
                starts.add(i + n)
                break
    return sorted(s for s in starts if s < len(prompt))


def reusable(starts: Sequence[int], cuts: Sequence[int], shared: int) -> int:
    """How much of the cached context a prompt cut at ``starts`` reuses: its start shared with the cached tokens
    (``shared``), down to the last place the cached tokens were cut at (``cuts``, the batches' starts and their end)
    after the same cuts as the prompt's."""
    keep = 0
    for new, old in zip(starts[1:], cuts[1:], strict=False):
        if new != old or new > shared:
            break
        keep = new
    return keep


@functools.cache
def aligned() -> type[Llama]:
    """llama.cpp's model, its prompts evaluated in batches cut by ``batch_starts`` (see the module's docstring): a
    prompt reuses the cached start it shares with the last one down to a cut both share, and is evaluated from there,
    as a fresh context would be."""
    from llama_cpp import Llama

    class AlignedLlama(Llama):
        prompt_pending = False  # set before a generation: its first evaluation is its prompt's
        cuts: tuple[int, ...] = (0,)  # where the batches of the cached tokens started, and where they end
        reused = 0  # the cached tokens the last prompt reused
        block_end: tuple[int, ...] | None = None  # ``BLOCK_END`` in tokens

        def eval(self, tokens: Sequence[int]) -> None:
            if not self.prompt_pending:  # a generated token, a batch of its own
                super().eval(tokens)
                self.cuts = (*self.cuts, self.n_tokens)
                return None
            self.prompt_pending = False
            start = self.n_tokens  # the start shared with the cached tokens, kept by ``generate``
            prompt = [*self.input_ids[:start].tolist(), *tokens]
            if self.block_end is None:
                self.block_end = tuple(self.tokenize(BLOCK_END, add_bos=False, special=False))
            starts = batch_starts(prompt, self.n_batch, self._model.token_eot(), self.block_end)
            self.n_tokens = self.reused = keep = reusable(starts, self.cuts, start)
            for begin, end in zip(starts, [*starts[1:], len(prompt)], strict=True):
                if begin >= keep:
                    super().eval(prompt[begin:end])
            self.cuts = (*starts, len(prompt))
            return None

    return AlignedLlama


def create(settings: Settings) -> LLM:
    """The ``llamacpp`` backend (see ``llms.REGISTRY``)."""
    cfg = settings.llm
    path = resolve_llm_path(Path(settings.models_dir), cfg.model)
    label = cfg.model if "/" not in cfg.model else Path(cfg.model).name
    return LlamaCppLLM(path, cfg.context_window, cfg.temperature, cfg.seed, cfg.threads, label)
