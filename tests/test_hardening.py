"""The smaller holes: caps and clean-up, trusted contents of backups, terminal escapes, polling that survives errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

from click.testing import CliRunner

from rag.cli import main
from rag.config import load_settings
from rag.ingest.articles import make_article
from rag.pipeline import build

from conftest import FAKES, ROOT


def cli(data, *args, **kw):
    return CliRunner().invoke(main, [*FAKES, "--data-dir", str(data), *args], **kw)


def settings_for(tmp_path, **extra):
    return load_settings(
        {
            "embedder.backend": "fake",
            "llm.backend": "fake",
            "retrieval.min_relevance": -100.0,
            "answer.topic_relevance": -100.0,
            "data_dir": str(tmp_path / "data"),
            "models_dir": str(tmp_path / "models"),
            **extra,
        },
        environ={},
    )


def test_terminal_escapes_in_articles_never_reach_the_terminal(tmp_path):
    hostile = make_article(
        id="esc",
        title="Titre \x1b[2J\x1b]0;pwned\x07 propre",
        text="Texte \x1b[31mrouge\x1b[0m et \x9b31m fin. " * 5,
        source="Source",
        lang="fr",
        clean=False,
    )
    from dataclasses import replace

    hostile = replace(
        hostile, title="Titre \x1b[2J\x1b]0;pwned\x07 propre", source="Source \x1b[5m"
    )  # as an older version stored it
    build(settings_for(tmp_path)).add_articles([hostile])
    for args in (["show", "esc"], ["list"], ["search", "Texte rouge"], ["ask", "Que dit le texte rouge ?"]):
        result = cli(tmp_path / "data", *args)
        assert result.exit_code == 0, result.output
        assert not any(ch in result.output for ch in "\x1b\x07\x9b"), (args, result.output)
    shown = cli(tmp_path / "data", "show", "esc", "--json").output
    assert (
        not any(ch in shown for ch in "\x1b\x07\x9b") and json.loads(shown)["id"] == "esc"
    )  # escaped in JSON, still valid


def test_cleaning_drops_control_characters_from_new_articles():
    article = make_article(
        text="Un texte \x1b[31mcoloré\x1b[0m avec\x00 des contrôles.\tFin.", title="T\x1b[2J", lang="fr"
    )
    assert "\x1b" not in article.text and "\x00" not in article.text and "\x1b" not in article.title


def test_pasted_text_is_capped_before_any_cleaning(tmp_path):
    p = build(settings_for(tmp_path, **{"ingest.max_article_chars": 1000}))
    report = p.add_text("Une phrase. " * 200, source="web")
    assert report.added == [] and "over the 1,000 limit" in report.rejected[0] and p.is_empty()


def test_feed_seen_keys_stay_bounded_and_keep_what_the_feed_still_lists():
    from rag.ingest.feeds import SEEN_LIMIT, Feed, FeedUpdate

    feed = Feed(url="https://example.org/feed", seen=[f"old-{i}" for i in range(5000)])
    update = FeedUpdate(
        feed, [], [f"new-{i}" for i in range(10)], [], present=["old-0", "old-1", *[f"new-{i}" for i in range(10)]]
    )
    seen = update.seen_after()
    assert len(seen) == SEEN_LIMIT and {"old-0", "old-1", "new-9"} <= set(seen) and "old-100" not in seen


def test_feed_polling_logs_an_error_and_keeps_polling(tmp_path, monkeypatch):
    from rag.cli import feeds as cli_feeds
    from rag.ingest.indexing import IngestReport
    from rag.pipeline import Pipeline

    calls = {"n": 0}

    def update(self, progress=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("[Errno 28] No space left on device")
        return IngestReport(added=["a"])

    def sleep(seconds):
        if calls["n"] >= 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(Pipeline, "update_feeds", update)
    monkeypatch.setattr(cli_feeds.time, "sleep", sleep)
    result = cli(tmp_path / "data", "feed", "update", "--every", "1s")
    assert calls["n"] == 2 and "feed update failed: [Errno 28] No space left on device" in result.output
    assert "1 added" in result.output and result.exit_code == 130


def _archive(tmp_path, files: dict[str, bytes]) -> Path:
    path = tmp_path / "backup.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {
            "manifest.json": b'{"version": 1, "articles": 0, "created": "x"}',
            "export/articles.jsonl": b"",
            **files,
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_restore_refuses_conversations_and_feeds_that_newsdesk_never_wrote(tmp_path):
    from rag.types import Answer

    answer = Answer("Q", "fr", "R", False).to_dict()
    bad_id = {"id": "../../../x", "title": "", "created": 0, "updated": 0, "turns": []}
    bad_n = {
        "id": "0123456789ab",
        "title": "",
        "created": 0,
        "updated": 0,
        "turns": [{"question": "Q", "answer": {**answer, "citations": [{"n": "<img src=x onerror=alert(1)>"}]}}],
    }
    for name, content in (
        ("data/conversations/0123456789ab.json", bad_id),
        ("data/conversations/0123456789ab.json", bad_n),
        ("data/feeds.json", [{"url": "https://x", "seen": "not a list", "bogus": 1}]),
    ):
        archive = _archive(tmp_path, {name: json.dumps(content).encode()})
        result = cli(tmp_path / "d", "restore", "--force", str(archive))
        assert result.exit_code == 1 and "refusing to restore" in result.output and "\n" not in result.output.strip()
    assert not (tmp_path / "d" / "conversations").exists()


def test_a_saved_conversation_with_a_forged_id_or_citation_is_skipped(tmp_path):
    from rag.answer.conversations import ConversationStore

    folder = tmp_path / "conversations"
    folder.mkdir()
    (folder / "0123456789ab.json").write_text(
        json.dumps({"id": "../../evil", "title": "x", "created": 0, "updated": 0, "turns": []})
    )
    store = ConversationStore(tmp_path)
    assert store.list() == [] and store.load("0123456789ab") is None and store.load("../../evil") is None


def test_restore_is_refused_while_another_process_writes_the_data_directory(tmp_path):
    from test_corpus_management import articles_jsonl

    data = tmp_path / "data"
    cli(data, "add", str(ROOT / "corpus" / "000_1c72bd9b86d46715.txt"))
    archive = tmp_path / "b.tar.gz"
    assert cli(data, "backup", str(archive)).exit_code == 0
    from rag.store import locking

    locking.release_data_dir(data)
    holder = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "slow_add.py"),
            str(data),
            str(articles_jsonl(tmp_path / "m.jsonl", 200)),
            "--delay",
            "0.05",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().startswith("committed")
        result = cli(data, "restore", "--force", str(archive))
        assert result.exit_code == 1 and "another Newsdesk process" in result.output
        assert (data / "store").is_dir()  # nothing swapped under the running writer
    finally:
        holder.kill()
        holder.wait()


def test_an_evaluation_of_an_uploaded_corpus_leaves_no_index_behind(tmp_path):
    from rag.evals.harness import run_eval as run
    from rag.evals.questions import EvalConfig

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        json.dumps({"id": "a1", "title": "Thon", "text": "La pêche au thon reprend à Sète. " * 5, "lang": "fr"}) + "\n"
    )
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": "q1", "question": "Où reprend la pêche au thon ?", "lang": "fr", "article_ids": ["a1"]})
        + "\n"
    )
    settings = settings_for(tmp_path)
    config = EvalConfig(name="up", questions=questions, corpora=[corpus], presets=["default"], keep_index=False)
    out = run(config, settings, tmp_path / "runs")
    assert (out / "summary.json").is_file()
    assert list((tmp_path / "models" / "cache" / "eval-indexes").iterdir()) == []


def test_web_uploads_are_deleted_once_added_and_stale_ones_at_launch(tmp_path):
    from ui.app import clean_uploads

    uploads = tmp_path / "uploads"
    (uploads / "abc").mkdir(parents=True)
    (uploads / "abc" / "old.txt").write_text("x")
    assert clean_uploads(uploads, max_age_s=0) == 1 and list(uploads.iterdir()) == []
