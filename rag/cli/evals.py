"""``newsdesk eval`` and ``newsdesk compare``: measure the pipeline on question sets."""

from __future__ import annotations

from pathlib import Path

import click

from rag.cli.app import App, echo, emit_json, main, parse_sets
from rag.cli.progress import Bars

DEFAULT_RUNS = Path("evals") / "runs"


@main.command("eval")
@click.option("--questions", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Question set (JSONL).")
@click.option(
    "--corpus",
    "corpora",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Corpus to index for the run (repeatable: distractors).",
)
@click.option(
    "--suite",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A suite file (evals/suites/NAME.toml).",
)
@click.option(
    "--mode",
    type=click.Choice(["retrieval", "answer", "support"]),
    help="retrieval (no LLM), answer (full pipeline), or support (the support check on labelled sentences).",
)
@click.option(
    "--preset",
    "presets",
    multiple=True,
    help="bm25, dense, rrf, naive-llamaindex, default (repeatable; 'all' for every one).",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Setting for this run, e.g. --set chunking.target_tokens=200.",
)
@click.option("--limit", type=int, help="Only the first N questions.")
@click.option(
    "--sample", type=int, help="A random sample of N questions (seeded by --seed): spread over the whole set."
)
@click.option(
    "--unanswerable", type=float, help="Share of answerable questions made unanswerable by hiding their gold articles."
)
@click.option("--seed", type=int, help="Seed for sampling.")
@click.option("--out", type=click.Path(path_type=Path), help="Run directory (default evals/runs/<time>-<name>).")
@click.option("--name", help="Run name.")
@click.pass_obj
def eval_cmd(app: App, questions, corpora, suite, mode, presets, sets, limit, sample, unanswerable, seed, out, name):
    """Score the pipeline (and baselines) on a question set.

    \b
    Examples:
      newsdesk eval --suite evals/suites/piaf_dev.toml --sample 200 --seed 1
      newsdesk eval --questions evals/seed.jsonl --corpus corpus/ --mode answer
      newsdesk eval --questions q.jsonl --corpus c.jsonl --preset all --set retrieval.rrf_k=30
    """
    from rag import EVAL_PRESETS, EvalConfig, load_suite, run_eval
    from rag.errors import ConfigError

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
        config.presets = list(EVAL_PRESETS) if "all" in presets else list(presets)
    config.overrides.update(parse_sets(sets))
    config.limit = limit or config.limit
    config.sample = sample or config.sample
    config.unanswerable = unanswerable if unanswerable is not None else config.unanswerable
    config.seed = seed if seed is not None else config.seed
    config.name = name or config.name
    config.out = out
    run_dir = run_eval(config, app.settings(), DEFAULT_RUNS, progress=Bars("questions", app.quiet).update)
    import json

    from rag import HEADLINE_KEYS

    summary = json.loads((run_dir / "summary.json").read_text())
    echo(f"run: {run_dir}")
    for preset, data in summary["presets"].items():
        metrics = data["metrics"]
        shown = ", ".join(f"{k} {metrics[k]:.3f}" for k in HEADLINE_KEYS if metrics.get(k) is not None)
        echo(f"  {preset:<17} {shown}  ({data.get('wall_s')} s)")


@main.command("compare")
@click.argument("run_a", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("run_b", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--preset", help="Preset to compare (default: default, else the first).")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def compare_cmd(run_a, run_b, preset, as_json):
    """Compare two evaluation runs: deltas with paired bootstrap intervals, and flipped questions."""
    from rag import compare

    result = compare(run_a, run_b, preset)
    if as_json:
        emit_json(result)
        return
    echo(f"{result['questions']} common questions; preset {result['preset'][0]} vs {result['preset'][1]}")
    for row in result["metrics"]:
        lo, hi = row["ci"]
        sig = " *" if lo > 0 or hi < 0 else ""
        echo(
            f"  {row['metric']:<24} {row['a']:.3f} -> {row['b']:.3f}  delta {row['delta']:+.3f} [{lo:+.3f}, "
            f"{hi:+.3f}]{sig}"
        )
    echo(f"{len(result['flipped'])} questions flipped on {result['flip_metric']}")
    for flip in result["flipped"][:20]:
        echo(
            f"  {flip['id']}: {flip[result['flip_metric']][0]} -> {flip[result['flip_metric']][1]}  "
            f"{flip['question'][:80]}"
        )
