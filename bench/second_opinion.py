"""What asking whether an extract answers the question costs after the statement check, side by side per way of asking.

A first sentence the model writes is put to the second opinion twice: does
the extract state it, then does the extract answer the question. For each of
``--extracts`` extracts (a sentence of ``corpus/wikinews_fr.jsonl`` with two
neighbours on each side, under its article's title) and a question of
``evals/seed.jsonl``, the statement check is asked, then the answer check,
either as a quote is asked (the extract under its title in a prompt of its
own, the way before) or in the statement check's frame (the extract first in
the same words, then the question: the model reuses the extract it has just
read). The two ways alternate which goes first. This prints, for each way,
the answer check's prompt tokens and its time (p50 and p95), the statement
check's time, and how often the two ways agree at their thresholds.

    .venv/bin/python bench/second_opinion.py --extracts 20
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def extracts(count: int) -> list[tuple[str, str, str, str]]:
    """``count`` (title, extract, sentence, question): five sentences of an article, the middle one, a question."""
    from rag.text.sentences import split_sentences

    articles = [json.loads(line) for line in (ROOT / "corpus" / "wikinews_fr.jsonl").open(encoding="utf-8")]
    questions = [json.loads(line)["question"] for line in (ROOT / "evals" / "seed.jsonl").open(encoding="utf-8")]
    out: list[tuple[str, str, str, str]] = []
    for article in articles:
        spans = split_sentences(article["text"])
        if len(spans) >= 6:
            extract = article["text"][spans[1][0] : spans[5][1]]
            middle = article["text"][spans[3][0] : spans[3][1]]
            out.append((article["title"], extract, middle, questions[len(out) % len(questions)]))
        if len(out) == count:
            break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extracts", type=int, default=20)
    args = parser.parse_args()

    from rag import load_settings
    from rag.answer import prompts
    from rag.answer.prompting import neutralize
    from rag.answer.verify import ANSWERS_CONFIDENCE, EXTRACT_ANSWERS_CONFIDENCE, Verifier, framed
    from rag.models import llamacpp
    from rag.text.askedkinds import asking_clause
    from rag.types import Message

    settings = load_settings()
    path = llamacpp.resolve_llm_path(Path(settings.models_dir), settings.llm.model)
    llm = llamacpp.LlamaCppLLM(path, settings.llm.context_window, 0.1, 0, settings.llm.threads, "bench")
    second = Verifier(llm, "fr")
    rows = extracts(args.extracts)

    def as_quote(title: str, extract: str, question: str) -> str:
        text = neutralize(f"{title}. {' '.join(extract.split())}")
        return prompts.render("answers", question=neutralize(asking_clause(question)), text=text)

    def in_frame(title: str, extract: str, question: str) -> str:
        under, asked = f', from the article "{neutralize(title)}",', neutralize(asking_clause(question))
        asked = prompts.render("answered", under=under, question=asked)
        return framed(extract, "fr", asked)

    ways = {
        "as a quote (before)": (as_quote, ANSWERS_CONFIDENCE),
        "in the check's frame": (in_frame, EXTRACT_ANSWERS_CONFIDENCE),
    }
    timed: dict[str, list[float]] = {w: [] for w in ways}
    stated: list[float] = []
    tokens: dict[str, list[int]] = {w: [] for w in ways}
    said: dict[str, list[bool]] = {w: [] for w in ways}
    llm.yes_probability([Message("user", "Oui ou non ?")])  # the model loaded before anything is timed
    print(f"load average {os.getloadavg()[0]:.2f}, {len(rows)} extracts, default model, one context", flush=True)
    for i, (title, extract, sentence, question) in enumerate(rows):
        order = list(ways) if i % 2 == 0 else list(reversed(ways))
        for way in order:
            prompt_of, sure = ways[way]
            started = time.perf_counter()
            second(sentence, extract, "fr")
            stated.append(time.perf_counter() - started)
            prompt = prompt_of(title, extract, question)
            started = time.perf_counter()
            p = llm.yes_probability([Message("user", prompt)])
            timed[way].append(time.perf_counter() - started)
            tokens[way].append(llm.count_tokens(prompt))
            said[way].append(p >= sure)
    print(f"{'answer check':<28} {'tokens p50':>10} {'p50 s':>6} {'p95 s':>6}")
    for way, times in timed.items():
        ranked = sorted(times)
        p95 = ranked[min(len(ranked) - 1, round(0.95 * (len(ranked) - 1)))]
        print(f"{way:<28} {statistics.median(tokens[way]):>10.0f} {statistics.median(times):>6.2f} {p95:>6.2f}")
    agree = sum(a == b for a, b in zip(*said.values(), strict=True))
    print(f"statement check before it: p50 {statistics.median(stated):.2f} s; the ways agree on {agree} of {len(rows)}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
