"""The evaluation harness with fakes: outputs exist, agree with each other, and compare works."""

import json

import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.errors import ConfigError
from rag.evals.harness import run_eval as run
from rag.evals.questions import EvalConfig, load_questions, load_suite, sample_unanswerable
from rag.evals.report import compare, read_results

from conftest import FAKES, ROOT


@pytest.fixture
def small_set(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    questions = tmp_path / "questions.jsonl"
    arts = [json.loads(line) for line in (ROOT / "corpus" / "wikinews_fr.jsonl").read_text().splitlines()[:30]]
    corpus.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in arts))
    qs = [
        {
            "id": f"q{i}",
            "question": a["title"],
            "lang": "fr",
            "answers": [a["title"].split()[-1]],
            "article_ids": [a["id"]],
            "answerable": True,
            "kind": "known-item",
        }
        for i, a in enumerate(arts[:12])
    ]
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in qs))
    return corpus, questions


def test_retrieval_run_all_presets(small_set, tmp_path):
    corpus, questions = small_set
    result = CliRunner().invoke(
        main,
        [
            *FAKES,
            "--models-dir",
            str(tmp_path / "models"),
            "eval",
            "--questions",
            str(questions),
            "--corpus",
            str(corpus),
            "--preset",
            "all",
            "--out",
            str(tmp_path / "run"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / "run"
    rows = read_results(run_dir / "results.jsonl")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert {r["preset"] for r in rows} == {"bm25", "dense", "rrf", "naive-llamaindex", "default"}
    assert len(rows) == 5 * 12
    for preset, data in summary["presets"].items():
        mine = [r["scores"]["mrr@10"] for r in rows if r["preset"] == preset]
        assert data["metrics"]["mrr@10"] == pytest.approx(sum(mine) / len(mine))
        assert data["n"] == 12 and "fr" in data["by_lang"] and "known-item" in data["by_kind"]
    assert summary["metrics"] == summary["presets"]["default"]["metrics"]
    assert summary["metrics"]["hit@10"] >= summary["metrics"]["hit@1"]
    assert {"hit@5", "recall@5", "mrr@10", "ndcg@10", "latency_retrieval_ms_p50"} <= set(summary["metrics"])
    report = (run_dir / "report.html").read_text()
    assert "data:image/png;base64," in report and "naive-llamaindex" in report
    # A second run over the same corpus reuses the cached index.
    again = run(
        EvalConfig(name="again", questions=questions, corpora=[corpus], presets=["bm25"]),
        _settings(tmp_path),
        tmp_path / "runs",
    )
    assert read_results(again / "results.jsonl")[0]["scores"] == rows[0]["scores"]


def test_an_undated_corpus_is_asked_on_one_day_the_run_records(small_set, tmp_path, monkeypatch):
    from datetime import date

    from rag.models import llms

    from conftest import ScriptedLLM

    corpus, questions = small_set
    undated = tmp_path / "undated.jsonl"
    arts = [{k: v for k, v in json.loads(line).items() if k != "date"} for line in corpus.read_text().splitlines()]
    undated.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in arts))
    model = ScriptedLLM()
    monkeypatch.setitem(llms.REGISTRY, "fake", lambda settings: model)
    settings = _settings(tmp_path)
    settings.retrieval.reference_date = date(2026, 1, 5)  # the day an undated corpus is asked on, pinned
    config = EvalConfig(name="day", questions=questions, corpora=[undated], mode="answer", limit=2)
    summary = json.loads((run(config, settings, tmp_path / "runs") / "summary.json").read_text())
    assert summary["today"] == "2026-01-05"
    assert model.calls and all("5 janvier 2026" in call[0].content for call in model.calls)
    # a dated corpus is asked on its newest article's day
    dated = EvalConfig(name="dated", questions=questions, corpora=[corpus], mode="answer", limit=1)
    newest = max(json.loads(line)["date"][:10] for line in corpus.read_text().splitlines())
    assert json.loads((run(dated, settings, tmp_path / "runs") / "summary.json").read_text())["today"] == newest


def _settings(tmp_path):
    from rag.config import load_settings

    return load_settings(
        {
            "embedder.backend": "fake",
            "llm.backend": "fake",
            "retrieval.min_relevance": -100.0,
            "answer.topic_relevance": -100.0,
            "answer.verify": False,  # a scripted model gives no second opinion
            "models_dir": str(tmp_path / "models"),
        },
        environ={"NEWSDESK_DATA_DIR": str(tmp_path / "data")},
    )


def test_answer_mode_and_unanswerable_sampling(small_set, tmp_path):
    corpus, questions = small_set
    config = EvalConfig(name="ans", questions=questions, corpora=[corpus], mode="answer", unanswerable=0.25, seed=3)
    run_dir = run(config, _settings(tmp_path), tmp_path / "runs")
    rows = read_results(run_dir / "results.jsonl")
    unanswerable = [r for r in rows if not r["answerable"]]
    assert len(unanswerable) == 3
    for r in unanswerable:  # their gold articles were hidden from the run's index
        assert r["gold"] == [] and "refusal_accuracy" in r["scores"]
    summary = json.loads((run_dir / "summary.json").read_text())["metrics"]
    for key in (
        "language_match",
        "refusal_accuracy",
        "false_refusal_rate",
        "ttft_s_p50",
        "total_s_p50",
        "tokens_prompt_p50",
    ):
        assert key in summary, key
    answered = [r for r in rows if r["answerable"] and not r["refused"]]
    assert answered and all(
        r["scores"]["citation_validity"] == 1.0 for r in answered if "citation_validity" in r["scores"]
    )


def test_sampling_is_seeded_and_hides_gold():
    from rag.evals.questions import Question

    qs = [Question(f"q{i}", "?", "fr", ("a",), (f"a{i}",)) for i in range(20)]
    out1, hidden1 = sample_unanswerable(qs, 0.2, seed=1)
    out2, hidden2 = sample_unanswerable(qs, 0.2, seed=1)
    assert hidden1 == hidden2 and len(hidden1) == 4
    assert sum(not q.answerable for q in out1) == 4


def test_a_question_whose_gold_article_is_hidden_for_another_is_unanswerable_too():
    from rag.evals.questions import Question

    # Five questions on each of ten articles, as xquad asks many about one paragraph.
    qs = [Question(f"q{i}", "?", "en", ("a",), (f"a{i % 10}",)) for i in range(50)]
    out, hidden = sample_unanswerable(qs, 0.3, seed=3)
    assert sum(not q.answerable for q in out) == 15 and len(hidden) == 3
    assert all(not set(q.article_ids) & hidden for q in out if q.answerable)


def test_compare_two_runs(small_set, tmp_path):
    corpus, questions = small_set
    a = run(
        EvalConfig(name="a", questions=questions, corpora=[corpus], presets=["bm25"]),
        _settings(tmp_path),
        tmp_path / "r",
    )
    b = run(
        EvalConfig(name="b", questions=questions, corpora=[corpus], presets=["dense"]),
        _settings(tmp_path),
        tmp_path / "r",
    )
    result = compare(a, b)
    assert result["questions"] == 12
    row = next(r for r in result["metrics"] if r["metric"] == "mrr@10")
    assert row["delta"] == pytest.approx(row["b"] - row["a"]) and row["ci"][0] <= row["delta"] <= row["ci"][1]
    out = CliRunner().invoke(main, ["compare", str(a), str(b)])
    assert out.exit_code == 0 and "mrr@10" in out.output


def test_bad_inputs(tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "x"}\n')
    with pytest.raises(ConfigError, match="q.jsonl:1"):
        load_questions(bad)
    with pytest.raises(ConfigError, match="unknown preset"):
        EvalConfig(name="x", questions=bad, presets=["magic"]).validate()


def test_suites_point_at_the_shared_sets():
    for suite in sorted((ROOT / "evals" / "suites").glob("*.toml")):
        config = load_suite(suite)
        config.validate()
        assert config.questions.name.endswith(".jsonl") and config.corpora
        if config.questions.exists():  # the shared data is present on this machine
            assert all(c.exists() for c in config.corpora)


def test_report_escapes_untrusted_text(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        json.dumps(
            {
                "id": "x",
                "title": "<script>alert(1)</script>",
                "text": "Texte <img src=x onerror=alert(2)>.",
                "date": None,
                "source": "s",
                "url": None,
                "lang": "fr",
            }
        )
    )
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {
                "id": "q1",
                "question": "<b onmouseover=alert(3)>Quoi ?</b>",
                "lang": "fr",
                "answers": ["<i>x</i>"],
                "article_ids": ["x"],
                "answerable": True,
                "kind": "qa",
            }
        )
    )
    out = run(
        EvalConfig(name="<svg/onload=alert(4)>", questions=questions, corpora=[corpus], presets=["bm25"]),
        _settings(tmp_path),
        tmp_path / "r",
    )
    page = (out / "report.html").read_text()
    for raw in ("<script>alert", "<b onmouseover", "<i>x</i>", "<svg/onload"):
        assert raw not in page
    assert "&lt;b onmouseover=alert(3)&gt;" in page


def test_a_seeded_sample_spreads_over_the_set_and_repeats():
    from rag.evals.questions import Question, pick

    qs = [Question(id=str(i), question=f"q{i}", lang="fr") for i in range(100)]
    a, b = pick(qs, None, 10, seed=3), pick(qs, None, 10, seed=3)
    assert a == b and len(a) == 10 and max(int(q.id) for q in a) > 50  # not the first ten
    assert [q.id for q in a] == sorted((q.id for q in a), key=int)  # in file order
    assert pick(qs, None, 10, seed=4) != a and pick(qs, 5, None, seed=3) == qs[:5]


def test_support_mode_scores_the_check_against_the_labels(tmp_path):
    passage = {
        "title": "Gaz",
        "lang": "fr",
        "text": "La Chine achète du gaz russe depuis 2022. Les échanges ont doublé.",
    }
    items = [
        ("a", "La Chine achète du gaz russe depuis 2022 [1].", "supported"),  # copied: the check lets it through
        ("b", "La Chine achète du gaz russe depuis 2019 [1].", "unsupported"),  # a year the passage lacks: caught
        ("c", "Le musée a brûlé [1].", "unsupported"),
    ]
    labelled = tmp_path / "support.jsonl"
    labelled.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": i,
                    "question": "Que achète la Chine ?",
                    "lang": "fr",
                    "sentence": s,
                    "passages": [passage],
                    "label": label,
                    "why": "" if label == "supported" else "not-stated",
                },
                ensure_ascii=False,
            )  # fmt: skip
            for i, s, label in items
        )
    )
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main, [*FAKES, "eval", "--questions", str(labelled), "--mode", "support", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in read_results(out / "results.jsonl")}
    assert rows["a"]["predicted"] and not rows["b"]["predicted"]
    metrics = json.loads((out / "summary.json").read_text())["metrics"]
    assert metrics["support_recall"] == 1.0 and metrics["support_accuracy"] == pytest.approx(
        sum(r["predicted"] == r["label"] for r in rows.values()) / 3
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"id": "x", "question": "q", "lang": "fr", "sentence": "s", "passages": [], "label": "maybe"})
    )
    result = CliRunner().invoke(main, [*FAKES, "eval", "--questions", str(bad), "--mode", "support", "--out", str(out)])
    assert result.exit_code != 0 and "label must be one of" in result.output


def test_the_llama_index_baseline_is_scored_on_answers_and_refusals_like_the_pipeline(small_set, tmp_path):
    corpus, questions = small_set
    config = EvalConfig(
        name="naive", questions=questions, corpora=[corpus], mode="answer", presets=["naive-llamaindex"],
        unanswerable=0.25, seed=3,
    )  # fmt: skip
    rows = read_results(run(config, _settings(tmp_path), tmp_path / "runs") / "results.jsonl")
    assert {r["preset"] for r in rows} == {"naive-llamaindex"}
    for r in rows:
        expected = {"false_refusal"} if r["answerable"] else {"refusal_accuracy"}
        assert expected <= set(r["scores"]) and "refused" in r
        if r["answerable"] and r["answers"] and not r["refused"]:
            assert {"answer_contains", "f1", "exact_match"} <= set(r["scores"])
