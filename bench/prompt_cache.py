"""Time to first token of the embedded model over a run of answer prompts, side by side per prompt evaluation.

Each prompt holds the instructions (the same for every question of a
language), four passages of ``corpus/`` and a question of ``evals/seed.jsonl``,
about as long as the pipeline's (~700 tokens). The prompts are asked in turn
in one context, as the web chat asks them; the first token only is generated.
For each way of evaluating a prompt this prints the prompt tokens, the time to
first token (p50 and p95 over the prompts after the first, which reuse the
cached instructions, and the first's), and whether the last prompt gets the
logits it gets in a fresh context (the same draft alone and after other
questions). The first row is llama.cpp's own reuse in batches of 512 tokens;
then each batch size cut at its multiples from the prompt's first token, then
with one more cut at the end of the instructions (the embedded backend's way).

    .venv/bin/python bench/prompt_cache.py --prompts 14 --batch 64
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def answer_prompts(count: int) -> list[list]:
    """``count`` chat prompts like the pipeline's: instructions, four passages, a seed question."""
    from rag.answer import prompts
    from rag.types import Message

    articles = [json.loads(line) for line in (ROOT / "corpus" / "wikinews_fr.jsonl").open(encoding="utf-8")]
    questions = [json.loads(line) for line in (ROOT / "evals" / "seed.jsonl").open(encoding="utf-8")]
    out = []
    for i, q in enumerate(questions[:count]):
        lang = q["lang"]
        shown = articles[i * 4 : i * 4 + 4]
        blocks = "\n\n".join(f"[{n}] {a['title']}\n{a['text'][:420]}" for n, a in enumerate(shown, 1))
        example = prompts.load(f"example.{lang}").strip()
        system = prompts.render(f"system.{lang}", today="3 May 2021", example=example)
        user = prompts.render(f"user.{lang}", passages=blocks, question=q["question"])
        out.append([Message("system", system), Message("user", user)])
    return out


def model(batch: int | None, after_instructions: bool = True):
    """The embedded default model; ``batch`` None: llama.cpp's own reuse in batches of 512 (the baseline);
    ``after_instructions`` False: no cut at the end of the instructions."""
    from llama_cpp import Llama

    from rag import load_settings
    from rag.lazy import Lazy
    from rag.models import llamacpp

    settings = load_settings()
    path = llamacpp.resolve_llm_path(Path(settings.models_dir), settings.llm.model)
    llamacpp.BATCH_TOKENS = batch or 512
    llamacpp.batch_starts = (
        CUTS if after_instructions else lambda prompt, size, eot, block=(): list(range(0, len(prompt), size))
    )
    llm = llamacpp.LlamaCppLLM(path, settings.llm.context_window, 0.1, 0, settings.llm.threads, "bench")
    if batch is None:
        args = {"n_ctx": settings.llm.context_window, "n_batch": 512, "verbose": False}
        llm._model = Lazy(lambda: Llama(model_path=str(path), n_threads=os.cpu_count(), **args))
    return llm


def _cuts():
    from rag.models import llamacpp

    return llamacpp.batch_starts


CUTS = _cuts()


def last_logits(llm) -> np.ndarray:
    m = llm._model.get()
    return np.ctypeslib.as_array(m._ctx.get_logits_ith(-1), shape=(m.n_vocab(),)).copy()


def run(batch: int | None, chats: list[list], after_instructions: bool = True) -> dict:
    llm = model(batch, after_instructions)
    times = []
    for chat in chats:
        started = time.perf_counter()
        "".join(llm.stream(chat, 1))
        times.append(time.perf_counter() - started)
    in_turn = last_logits(llm)
    fresh = model(batch, after_instructions)
    "".join(fresh.stream(chats[-1], 1))
    tokens = [sum(llm.count_tokens(m.content) for m in chat) for chat in chats]
    later = sorted(times[1:])
    return {
        "tokens": statistics.median(tokens),
        "first": times[0],
        "p50": statistics.median(later),
        "p95": later[min(len(later) - 1, round(0.95 * (len(later) - 1)))],
        "alike": bool(np.array_equal(in_turn, last_logits(fresh))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=10)
    parser.add_argument("--batch", type=int, action="append", help="aligned batch sizes to compare (repeatable)")
    args = parser.parse_args()
    chats = answer_prompts(args.prompts)
    print(f"load average {os.getloadavg()[0]:.2f}, {len(chats)} prompts in turn, first token only")
    print(f"{'prompt evaluation':<64} {'tokens':>6} {'first s':>8} {'p50 s':>6} {'p95 s':>6}  same logits as fresh")
    rows = [(None, False), *((b, False) for b in args.batch or [64]), *((b, True) for b in args.batch or [64])]
    for batch, after_instructions in rows:
        name = "llama.cpp reuse, batches of 512" if batch is None else f"batches of {batch} from the first token"
        name += ", cut at the instructions' end" if after_instructions else ""
        r = run(batch, chats, after_instructions)
        print(
            f"{name:<64} {r['tokens']:>6.0f} {r['first']:>8.2f} {r['p50']:>6.2f} {r['p95']:>6.2f}  {r['alike']}",
            flush=True,
        )
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
