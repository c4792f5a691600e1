"""newsdesk eval end to end with the real embedder and a real llama.cpp model, in both modes."""

import json

import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.evals.report import read_results

from conftest import ROOT, require_shared_data

pytestmark = pytest.mark.slow


def test_retrieval_mode_on_a_shared_set(tmp_path):
    data = require_shared_data()
    out = tmp_path / "retrieval"
    result = CliRunner().invoke(
        main,
        [
            "eval",
            "--questions",
            str(data / "questions" / "wikinews_fr_leads.jsonl"),
            "--corpus",
            str(data / "corpora" / "wikinews_fr_bodies.jsonl"),
            "--preset",
            "bm25",
            "--preset",
            "default",
            "--out",
            str(out),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    rows = read_results(out / "results.jsonl")
    summary = json.loads((out / "summary.json").read_text())
    assert len(rows) == 2 * 13 and summary["presets"]["default"]["n"] == 13
    hits = [r["scores"]["hit@10"] for r in rows if r["preset"] == "default"]
    assert summary["metrics"]["hit@10"] == pytest.approx(sum(hits) / len(hits)) and summary["metrics"]["hit@10"] >= 0.7
    assert (out / "report.html").stat().st_size > 10_000


def test_answer_mode_on_the_seed_set(tmp_path):
    out = tmp_path / "answer"
    questions = tmp_path / "q.jsonl"
    lines = (ROOT / "evals" / "seed.jsonl").read_text(encoding="utf-8").splitlines()
    picked = [line for line in lines if json.loads(line)["id"] in ("seed-fr-01", "wk-fr-01", "none-fr-01")]
    questions.write_text("\n".join(picked), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "--set",
            "llm.backend=llamacpp",
            "--set",
            "llm.model=qwen2.5-coder-0.5b-instruct",
            "eval",
            "--questions",
            str(questions),
            "--corpus",
            str(ROOT / "corpus"),
            "--mode",
            "answer",
            "--out",
            str(out),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in read_results(out / "results.jsonl")}
    assert set(rows) == {"seed-fr-01", "wk-fr-01", "none-fr-01"}
    assert rows["none-fr-01"]["refused"] and rows["none-fr-01"]["scores"]["refusal_accuracy"] == 1.0
    for id in ("seed-fr-01", "wk-fr-01"):
        assert rows[id]["answer"] and rows[id]["total_s"] > 0 and "language_match" in rows[id]["scores"]
    metrics = json.loads((out / "summary.json").read_text())["metrics"]
    assert metrics["refusal_accuracy"] == 1.0 and 0 <= metrics["false_refusal_rate"] <= 1 and metrics["total_s_p50"] > 0
