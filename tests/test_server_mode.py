"""The same store layout, guard and filters on a real Chroma server; its faults and recovery."""

import json
import os
import signal
import subprocess
import sys

import pytest

from rag.config import load_settings
from rag.errors import BackendUnavailable, StoreError
from rag.ingest.articles import make_article
from rag.pipeline import build
from rag.types import Filters

from conftest import ROOT, HashingEmbedder
from servers import chroma_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with chroma_server(tmp_path_factory.mktemp("chroma")) as s:
        yield s


def settings_for(server, tmp_path, collection="news"):
    return load_settings(
        {
            "embedder.backend": "fake",
            "llm.backend": "fake",
            "retrieval.min_relevance": -100.0,
            "answer.topic_relevance": -100.0,
            "answer.verify": False,  # a scripted model gives no second opinion
            "store.url": server.url,
            "store.collection": collection,
            "models_dir": str(tmp_path / "models"),
        },
        environ={"NEWSDESK_DATA_DIR": str(tmp_path / "data")},
    )


def art(id, text, **kw):
    return make_article(id=id, text=text, title=kw.pop("title", "Titre"), lang=kw.pop("lang", "fr"), **kw)


def test_ingest_replace_filter_remove_on_server(server, tmp_path):
    p = build(settings_for(server, tmp_path, "basic"))
    r = p.add([ROOT / "corpus"])
    assert len(r.added) == 101
    assert p.add([ROOT / "corpus"]).skipped and p.store.counts()[0] == 101
    hits = p.search("fusée Falcon 9 SpaceX Dragon", Filters(since="2012-05-01", until="2012-06-01")).hits
    assert hits and all("2012-05" in h.chunk.date for h in hits)
    assert p.store.remove(["wikinews-fr-43971"]) == ["wikinews-fr-43971"] and p.store.counts()[0] == 100
    answer = p.ask("Pourquoi la Chine achète-t-elle du pétrole et du gaz à la Russie ?")
    assert answer.citations and not answer.refused


def test_two_processes_share_one_server(server, tmp_path):
    writer = build(settings_for(server, tmp_path / "a", "shared"))
    reader = build(settings_for(server, tmp_path / "b", "shared"))
    writer.add_articles([art("one", "Le premier article parle de la pêche en Bretagne.")])
    assert [h.chunk.article_id for h in reader.search("pêche Bretagne").hits] == ["one"]
    writer.add_articles([art("two", "Le second article parle de la pêche en Méditerranée.")])
    assert {h.chunk.article_id for h in reader.search("pêche Méditerranée").hits} == {
        "one",
        "two",
    }  # BM25 and catalogue refreshed


def test_embedder_guard_on_server(server, tmp_path, monkeypatch):
    p = build(settings_for(server, tmp_path, "guard"))
    p.add_articles([art("a", "Du texte.")])
    monkeypatch.setattr(HashingEmbedder, "id", "other")
    with pytest.raises(StoreError, match="reindex"):
        build(settings_for(server, tmp_path, "guard")).search("texte")


def test_server_down_then_back_without_restarting(tmp_path):
    with chroma_server(tmp_path / "chroma") as s:
        p = build(settings_for(s, tmp_path, "restart"))
        p.add_articles([art("a", "Un article sur les vendanges en Bourgogne.")])
        assert p.search("vendanges").hits
        s.stop()
        with pytest.raises(BackendUnavailable) as err:
            p.search("vendanges")
        assert "Chroma server" in str(err.value) and "\n" not in str(err.value)
        s.start()
        assert [h.chunk.article_id for h in p.search("vendanges").hits] == ["a"]  # same pipeline object, recovered


def test_unreachable_server_is_a_clear_error(tmp_path):
    settings = load_settings(
        {"embedder.backend": "fake", "store.url": "http://127.0.0.1:9"}, environ={"NEWSDESK_DATA_DIR": str(tmp_path)}
    )
    with pytest.raises(BackendUnavailable, match="unreachable.*chroma run"):
        build(settings).store.counts()


def test_sigkill_inside_the_commit_window_in_server_mode(server, tmp_path):
    from test_corpus_management import articles_jsonl
    from test_writers import fresh_view, run_helper

    source = articles_jsonl(tmp_path / "many.jsonl", 200)
    env = {"NEWSDESK_STORE_URL": server.url, "NEWSDESK_STORE__COLLECTION": "crash"}
    died = run_helper(
        ROOT / "tests" / "slow_add.py",
        tmp_path / "data",
        source,
        "--die-at",
        "batch-pending:2",
        "--delay",
        "0",
        env=env,
    )
    assert died.returncode == -signal.SIGKILL and "dying at batch-pending" in died.stdout, died.stderr[-2000:]
    view = fresh_view(tmp_path / "data", env=env)
    assert 0 < view["articles"] < 200 and view["broken"] == []
    # The dead writer's lease has not run out: another writer leaves its batch alone, but re-adding completes it.
    p = build(settings_for(server, tmp_path, "crash"))
    assert repair(p.store) == 0
    report = p.add([source])
    assert len(report.added) + len(report.skipped) == 200
    records = p.store.list_articles()
    assert len(records) == 200 and p.store.counts()[1] == sum(r.n_chunks for r in records)


def test_an_abandoned_write_is_repaired_once_its_lease_is_over(server, tmp_path):
    import time

    from rag.ingest.chunking import chunk_article
    from rag.store.records import ArticleRecord
    from rag.store.writes import StoreWriter

    settings = load_settings(
        {
            "embedder.backend": "fake",
            "llm.backend": "fake",
            "store.url": server.url,
            "store.collection": "lease",
            "store.write_lease_s": 6.0,
            "models_dir": str(tmp_path / "models"),
        },
        environ={"NEWSDESK_DATA_DIR": str(tmp_path / "data")},
    )
    p = build(settings)
    p.add_articles([art("keep", "Un article complet sur la pêche.")])
    half = art("half", "Un article à moitié écrit sur la pêche en mer.")
    chunks = chunk_article(half, p.embedder.count_tokens)
    elsewhere = StoreWriter(p.store, owner="a-writer-on-another-machine")
    other = build(settings)
    began = time.time()
    elsewhere.begin([ArticleRecord(half, n_chunks=len(chunks))])
    elsewhere.write_chunks(chunks, p.embedder.embed_documents([c.embed_text for c in chunks]))
    kept = repair(other.store)
    assert time.time() - began < 6.0, "the machine was too slow for this lease: the check below would mean nothing"
    assert kept == 0  # its lease still runs: that writer may be alive elsewhere
    time.sleep(max(0.0, began + 7.5 - time.time()))
    assert repair(other.store) == 1  # abandoned: undone
    assert other.store.counts() == (1, 1)


def test_seven_writers_on_one_server_leave_every_article_whole(server, tmp_path):
    """One large add, and six small ones started while it runs, all on one Chroma server."""
    from test_corpus_management import articles_jsonl
    from test_writers import HELPERS, fresh_view

    env = {**os.environ, "NEWSDESK_STORE_URL": server.url, "NEWSDESK_STORE__COLLECTION": "seven"}
    large = articles_jsonl(tmp_path / "large.jsonl", 300)
    big = subprocess.Popen(
        [sys.executable, str(HELPERS / "slow_add.py"), str(tmp_path / "big"), str(large), "--delay", "0.01"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert big.stdout.readline().startswith("committed"), big.stderr.read()[-2000:]
    small = []
    for i in range(6):
        path = tmp_path / f"small{i}.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for j in range(5):
                text = " ".join(f"Phrase {k} du petit article {i}-{j}." for k in range(30))
                fh.write(
                    json.dumps({"id": f"small-{i}-{j}", "title": f"Petit {i}-{j}", "text": text, "lang": "fr"}) + "\n"
                )
        small.append(
            subprocess.Popen(
                [sys.executable, str(HELPERS / "slow_add.py"), str(tmp_path / f"w{i}"), str(path), "--delay", "0"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        )
    for proc in [*small, big]:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0 and "finished" in out, err[-2000:]
    view = fresh_view(
        tmp_path / "reader", env={"NEWSDESK_STORE_URL": server.url, "NEWSDESK_STORE__COLLECTION": "seven"}
    )
    assert view["articles"] == 330 and view["broken"] == []


def test_questions_during_an_add_never_see_a_half_added_article(server, tmp_path, monkeypatch):
    import threading
    import time

    writer = build(settings_for(server, tmp_path / "w", "live"))
    reader = build(settings_for(server, tmp_path / "r", "live"))
    towns = [
        "Brest",
        "Sète",
        "Bastia",
        "Calais",
        "Dieppe",
        "Fécamp",
        "Agde",
        "Bayonne",
        "Lorient",
        "Royan",
        "Menton",
        "Granville",
    ]
    sentence = "La pêche au thon reprend à {} après la tempête, disent les pêcheurs de {}."
    batch = [art(f"a{i}", " ".join(sentence.format(t, t) for _ in range(40)), title=t) for i, t in enumerate(towns)]
    writer.add_articles(batch[:1])
    from rag.store import checkpoints

    def widen(name):  # widen the window between writing chunks and committing them
        if name == "batch-pending":
            time.sleep(0.2)

    monkeypatch.setattr(checkpoints, "_hook", widen)
    done = threading.Event()
    failures: list[BaseException] = []

    def add():
        try:
            for a in batch[1:]:
                writer.add_articles([a])
        except BaseException as err:  # surfaced below
            failures.append(err)
        finally:
            done.set()

    threading.Thread(target=add).start()
    seen: set[str] = set()
    searches = 0
    while not done.is_set() or searches == 0:
        hits = reader.search(f"pêche au thon à {towns[searches % len(towns)]}", k=8).hits
        searches += 1
        for id in {h.chunk.article_id for h in hits}:
            record = reader.store.get_articles([id], with_text=False)[id]
            assert record.status == "complete"
            assert len(reader.store.chunks_of(id)) == record.n_chunks > 1
            seen.add(id)
    assert not failures and searches > 1
    assert len(reader.store.list_articles()) == 12 and seen


def repair(store):
    """What a writer's repair undoes, run by itself."""
    with store.writing() as writer:
        return writer.repair()
