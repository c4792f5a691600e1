"""Nothing lost when writers overlap or die: the commit protocol's windows, the reindex swap, the data directory lock.

Kills land exactly inside the windows (the store's named checkpoints), and what
survives is read by a fresh process, never by the one whose Chroma client saw the writes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from rag.config import load_settings
from rag.errors import StoreError
from rag.ingest.articles import make_article
from rag.pipeline import build
from rag.store import checkpoints

from conftest import ROOT
from test_corpus_management import articles_jsonl

HELPERS = ROOT / "tests"


def settings_for(data_dir, **extra):
    return load_settings(
        {
            "embedder.backend": "fake",
            "llm.backend": "fake",
            "retrieval.min_relevance": -100.0,
            "answer.topic_relevance": -100.0,
            "data_dir": str(data_dir),
            "models_dir": str(data_dir / "models"),
            **extra,
        },
        environ={},
    )


def art(id, text, title="Titre"):
    return make_article(id=id, text=text, title=title, lang="fr", source="Test")


def run_helper(*args, env=None, timeout=120):
    return subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def fresh_view(data_dir, query=None, env=None) -> dict:
    """What a new process reads from the store."""
    result = run_helper(HELPERS / "check_store.py", data_dir, *([query] if query else []), env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_writer_never_undoes_another_writers_article_in_flight(tmp_path):
    """Writer A's batch is written but not committed when writer B's add starts (and repairs): A's article is whole."""
    p = build(settings_for(tmp_path / "data"))
    p.add_articles([art("base", "Un premier article sur la pêche en Bretagne.")])
    in_window, b_done = threading.Event(), threading.Event()

    def hook(name):
        if name == "batch-pending" and threading.current_thread().name == "writer-a":
            in_window.set()
            assert b_done.wait(60)

    checkpoints.set_hook(hook)
    try:
        a = threading.Thread(
            target=p.add_articles,
            args=([art("a", " ".join(["Le port de Brest accueille les thoniers."] * 30))],),
            name="writer-a",
        )
        a.start()
        assert in_window.wait(60)
        report = p.add_articles([art("b", "Un article du second écrivain sur les marées.")])  # B repairs what it may
        b_done.set()
        a.join(60)
    finally:
        checkpoints.set_hook(None)
    assert report.added == ["b"]
    view = fresh_view(tmp_path / "data")
    assert view["ids"] == ["a", "b", "base"] and view["broken"] == []


def test_re_adding_an_article_whose_chunks_went_missing_rewrites_them(tmp_path):
    p = build(settings_for(tmp_path / "data"))
    text = " ".join(["Les vendanges ont commencé en Bourgogne sous le soleil."] * 40)
    p.add_articles([art("v", text)])
    p.store.chroma.client.get_collection("newsdesk_chunks").delete(
        where={"article_id": "v"}
    )  # what a concurrent repair did before the fix
    assert fresh_view(tmp_path / "data")["broken"] == ["v"]
    report = p.add_articles([art("v", text)])
    assert report.skipped == [] and report.updated == ["v"]
    assert fresh_view(tmp_path / "data")["broken"] == []


@pytest.mark.parametrize("point", ["batch-pending:2", "committed:1"])
def test_sigkill_inside_the_commit_window_loses_nothing(tmp_path, point):
    data_dir = tmp_path / "data"
    source = articles_jsonl(tmp_path / "many.jsonl", 120)
    died = run_helper(HELPERS / "slow_add.py", data_dir, source, "--die-at", point, "--delay", "0")
    assert died.returncode == -signal.SIGKILL and f"dying at {point.split(':')[0]}" in died.stdout, died.stderr[-2000:]
    view = fresh_view(data_dir)
    assert 0 < view["articles"] < 120 and view["broken"] == []  # only whole articles are visible
    finished = run_helper(HELPERS / "slow_add.py", data_dir, source, "--delay", "0")
    assert finished.returncode == 0 and "finished" in finished.stdout, finished.stderr[-2000:]
    view = fresh_view(data_dir)
    assert view["articles"] == 120 and view["broken"] == []


SWAP_POINTS = ["swap-0-aside", "swap-0-in", "swap-1-aside", "swap-1-in", "swap-drop-chunks", "swap-drop-articles"]


@pytest.mark.parametrize("point", SWAP_POINTS)
def test_a_reindex_killed_at_any_step_of_its_swap_loses_no_article(tmp_path, point):
    data_dir = tmp_path / "data"
    source = articles_jsonl(tmp_path / "many.jsonl", 30)
    p = build(settings_for(data_dir))
    assert len(p.add([source]).added) == 30
    p.store.close()
    from rag.store import locking

    locking.release_data_dir(data_dir)
    died = run_helper(HELPERS / "slow_add.py", data_dir, source, "--reindex", "--die-at", point, "--delay", "0")
    assert died.returncode == -signal.SIGKILL and f"dying at {point}" in died.stdout, died.stderr[-2000:]
    # A reader sees every article, or a one-line error that says how to finish the swap.
    view = fresh_view(data_dir, "Phrase de l'article 7 sur le sujet")
    assert view.get("articles") == 30 or "newsdesk reindex" in view.get("error", ""), view
    # Any writer (here: reindex again) finishes or undoes the swap; then everything is listed and searchable.
    finished = run_helper(HELPERS / "slow_add.py", data_dir, source, "--reindex", "--delay", "0")
    assert finished.returncode == 0, finished.stderr[-2000:]
    view = fresh_view(data_dir, "Phrase 3 de l'article 7 sur le sujet 0")
    assert view["articles"] == 30 and view["broken"] == [] and "crash-7" in view["search"]


def test_a_second_writing_process_gets_a_one_line_error_naming_the_server_mode(tmp_path):
    data_dir = tmp_path / "data"
    source = articles_jsonl(tmp_path / "many.jsonl", 200)
    holder = subprocess.Popen(
        [sys.executable, str(HELPERS / "slow_add.py"), str(data_dir), str(source), "--delay", "0.05"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().startswith("committed"), holder.stderr.read()[-2000:]
        second = subprocess.run(
            [str(Path(sys.executable).parent / "newsdesk"), "--data-dir", str(data_dir), "add", str(source)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        line = second.stderr.strip().splitlines()[-1]
        assert (
            second.returncode == 1
            and line.startswith("error:")
            and "NEWSDESK_STORE_URL" in line
            and f"pid {holder.pid}" in line
        )
        with pytest.raises(StoreError, match="another Newsdesk process"):
            build(settings_for(data_dir)).add_articles([art("x", "Un texte.")])
    finally:
        holder.kill()
        holder.wait()
    # The lock goes with the process that held it, even killed.
    assert build(settings_for(data_dir)).add_articles([art("x", "Un texte.")]).added == ["x"]


def test_bm25_index_is_replaced_atomically(tmp_path):
    from rag.retrieve.bm25 import BM25Index

    p = build(settings_for(tmp_path / "data"))
    p.add_articles([art("a", "La pêche au thon reprend.")])
    folder = tmp_path / "data" / "bm25"
    assert p.bm25.get() is not None and (folder / "CURRENT").is_file()
    first = (folder / "CURRENT").read_text()
    p.add_articles([art("b", "Les marées d'équinoxe.")])
    index = p.bm25.get()
    second = (folder / "CURRENT").read_text()
    assert second != first and not (folder / first).exists()  # the old version is gone once the pointer moved
    assert BM25Index.load(folder).ids == index.ids and sorted({i.split(":")[0] for i in index.ids}) == ["a", "b"]
