"""``newsdesk eval`` and ``newsdesk compare``: measure the pipeline on question sets."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .cli import App, echo, emit_json, main

DEFAULT_RUNS = Path("evals") / "runs"


def _progress():
    start = {"t": time.perf_counter(), "stage": None}
    interactive = sys.stderr.isatty()

    def report(stage: str, done: int, total: int) -> None:
        if start["stage"] != stage:
            start.update(t=time.perf_counter(), stage=stage)
        if not interactive or not total:
            return
        elapsed = time.perf_counter() - start["t"]
        eta = (total - done) * elapsed / done if done else 0
        click.echo(f"\r{stage}: {done}/{total} ({100 * done / total:.0f}%) ETA {int(eta // 60)}m{int(eta % 60):02d}s".ljust(70), nl=False, err=True)
        if done == total:
            echo("", err=True)

    return report


@main.command("eval")
@click.option("--questions", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Question set (JSONL).")
@click.option("--corpus", "corpora", multiple=True, type=click.Path(exists=True, path_type=Path), help="Corpus to index for the run (repeatable: distractors).")
@click.option("--suite", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A suite file (evals/suites/NAME.toml).")
@click.option("--mode", type=click.Choice(["retrieval", "answer"]), help="retrieval (no LLM) or answer (full pipeline).")
@click.option("--preset", "presets", multiple=True, help="bm25, dense, rrf, naive-llamaindex, default (repeatable; 'all' for every one).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Setting for this run, e.g. --set chunking.target_tokens=200.")
@click.option("--limit", type=int, help="Only the first N questions.")
@click.option("--unanswerable", type=float, help="Share of answerable questions made unanswerable by hiding their gold articles.")
@click.option("--seed", type=int, help="Seed for sampling.")
@click.option("--out", type=click.Path(path_type=Path), help="Run directory (default evals/runs/<time>-<name>).")
@click.option("--name", help="Run name.")
@click.pass_obj
def eval_cmd(app: App, questions, corpora, suite, mode, presets, sets, limit, unanswerable, seed, out, name):
    """Score the pipeline (and baselines) on a question set.

    \b
    Examples:
      newsdesk eval --suite evals/suites/piaf_dev.toml --limit 200
      newsdesk eval --questions evals/seed.jsonl --corpus corpus/ --mode answer
      newsdesk eval --questions q.jsonl --corpus c.jsonl --preset all --set retrieval.rrf_k=30
    """
    from .baselines import PRESETS
    from .errors import ConfigError
    from .evals import EvalConfig, load_suite, run

    if suite:
        config = load_suite(suite)
    elif questions:
        config = EvalConfig(name=questions.stem, questions=questions, corpora=list(corpora))
    else:
        raise ConfigError("give --questions Q.jsonl --corpus C.jsonl, or --suite evals/suites/NAME.toml")
    if corpora and suite:
        config.corpora = list(corpora)
    if mode:
        config.mode = mode
    if presets:
        config.presets = list(PRESETS) if "all" in presets else list(presets)
    for item in sets:
        if "=" not in item:
            raise ConfigError(f"--set {item!r} is not KEY=VALUE")
        key, value = item.split("=", 1)
        config.overrides[key.strip()] = value
    config.limit = limit or config.limit
    config.unanswerable = unanswerable if unanswerable is not None else config.unanswerable
    config.seed = seed if seed is not None else config.seed
    config.name = name or config.name
    config.out = out
    run_dir = run(config, app.settings(), DEFAULT_RUNS, progress=_progress())
    import json

    summary = json.loads((run_dir / "summary.json").read_text())
    echo(f"run: {run_dir}")
    for preset, data in summary["presets"].items():
        shown = ", ".join(f"{k} {v:.3f}" for k, v in data["metrics"].items()
                          if v is not None and (k in ("hit@1", "hit@5", "recall@5", "mrr@10", "ndcg@10", "exact_match", "f1", "language_match",
                                                      "citation_precision", "refusal_accuracy", "false_refusal_rate", "supported_sentences")
                                                or k.endswith("_p50")))
        echo(f"  {preset:<17} {shown}  ({data.get('wall_s')} s)")


@main.command("compare")
@click.argument("run_a", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("run_b", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--preset", help="Preset to compare (default: default, else the first).")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def compare_cmd(run_a, run_b, preset, as_json):
    """Compare two evaluation runs: deltas with paired bootstrap intervals, and flipped questions."""
    from .report import compare

    result = compare(run_a, run_b, preset)
    if as_json:
        emit_json(result)
        return
    echo(f"{result['questions']} common questions; preset {result['preset'][0]} vs {result['preset'][1]}")
    for row in result["metrics"]:
        lo, hi = row["ci"]
        sig = " *" if lo > 0 or hi < 0 else ""
        echo(f"  {row['metric']:<24} {row['a']:.3f} -> {row['b']:.3f}  delta {row['delta']:+.3f} [{lo:+.3f}, {hi:+.3f}]{sig}")
    echo(f"{len(result['flipped'])} questions flipped on {result['flip_metric']}")
    for flip in result["flipped"][:20]:
        echo(f"  {flip['id']}: {flip[result['flip_metric']][0]} -> {flip[result['flip_metric']][1]}  {flip['question'][:80]}")
