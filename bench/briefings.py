"""Briefings on ``corpus/``: are the sentences cited, checked and in the reader's language, and how fast?

Adds ``corpus/`` to a fresh store, then briefs the archive's most recent weeks in
French and in English (5 stories each) and prints, over every story:

- citation validity: each cited passage comes from an article of the story;
- written: the share of stories the model summarised with a supported sentence (the rest quote their lead,
  translated when its article is in the other language and the translation passes the checks);
- language match: the sentence is in the briefing's language (a lead quoted untranslated is in its article's);
- time to the first story, side by side with the first token of an ordinary answer asked in the same run,
  and the time per story (p50, p95), with the machine's load.

    .venv/bin/python bench/briefings.py --weeks 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

QUESTION = "Pourquoi la Chine est-elle importante pour la Russie ?"
WARM_UP = "Qui a abandonné le Vendée Globe ?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=3, help="most recent weeks of the archive to brief")
    args = parser.parse_args()
    from rag.config import load_settings
    from rag.pipeline import build
    from rag.text.language import detect_answer
    from rag.types import Filters

    with tempfile.TemporaryDirectory() as data:
        pipeline = build(load_settings({"data_dir": data}, environ={}))
        pipeline.add([ROOT / "corpus"])
        pipeline.ask(WARM_UP)  # models loaded (another question: a repeat would read llama.cpp's prompt cache)
        ttft = pipeline.ask(QUESTION).timings.get("ttft_s")  # an ordinary answer's first token, warm
        dates = sorted({r.article.date[:10] for r in pipeline.articles() if r.article.date}, reverse=True)
        newest = date.fromisoformat(dates[0])
        rows, first_story = [], []
        for week in range(args.weeks):
            since, until = newest - timedelta(days=7 * (week + 1) - 1), newest - timedelta(days=7 * week - 1)
            for lang in ("fr", "en"):
                started = time.perf_counter()
                for k, item in enumerate(
                    pipeline.brief("", Filters(since=since.isoformat(), until=until.isoformat()), lang)
                ):
                    if k == 0:
                        first_story.append(time.perf_counter() - started)
                    story = {r.article.id for r in pipeline.story(item.story)} | {item.story}
                    text = item.answer.answer.split(" [")[0].strip("«» “”")
                    expected = item.languages[0] if item.quoted and not item.translated and item.languages else lang
                    rows.append(
                        {
                            "valid": bool(item.answer.citations)
                            and all(c.article_id in story for c in item.answer.citations),
                            "written": not item.quoted,
                            "translated": item.translated,
                            "lang_ok": detect_answer(text) == expected,
                            "reader_lang_ok": detect_answer(text) == lang,
                            "seconds": item.seconds,
                        }
                    )
    n = len(rows)
    seconds = [r["seconds"] for r in rows]
    print(f"{n} stories over {args.weeks} weeks x 2 languages (corpus/, {len(dates)} dates)")
    print(f"citation validity          {sum(r['valid'] for r in rows) / n:.3f}")
    print(f"written by the model       {sum(r['written'] for r in rows) / n:.3f} (the rest: lead quoted)")
    print(f"lead translated            {sum(r['translated'] for r in rows) / n:.3f} (quoted in the other language)")
    print(f"language match             {sum(r['lang_ok'] for r in rows) / n:.3f} (quoted leads in their own language)")
    print(f"in the reader's language   {sum(r['reader_lang_ok'] for r in rows) / n:.3f}")
    print(f"first story p50            {statistics.median(first_story):.1f} s   (an answer's first token: {ttft} s)")
    q = statistics.quantiles(seconds, n=20) if n > 1 else seconds * 19
    print(f"per story p50 / p95        {statistics.median(seconds):.1f} s / {q[18]:.1f} s")
    print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
