"""Keeping the index consistent: duplicates, listing, removal, reindexing, crashes."""

import json
from pathlib import Path

from click.testing import CliRunner

from rag.cli import main
from rag.ingest.articles import make_article
from rag.pipeline import build

from conftest import ROOT, HashingEmbedder

FAKES = ["--set", "embedder.backend=fake", "--set", "llm.backend=fake"]


def cli(*args):
    return CliRunner().invoke(main, [*FAKES, *args], catch_exceptions=False)


WIRE = (
    "MOSCOU (Reuters) - Le président russe Vladimir Poutine et son homologue chinois Xi Jinping ont échangé mardi "
    "par visioconférence sur les relations entre leurs deux pays, qui se sont intensifiées depuis le début de la "
    "guerre "
    "en Ukraine. La Chine est devenue le premier partenaire commercial de la Russie et achète de grandes quantités "
    "de pétrole et de gaz russes. Les deux dirigeants ont aussi évoqué le retrait des États-Unis de l'accord de Paris. "
)


def test_near_identical_wire_copies_are_linked_and_both_kept(fake_pipeline):
    original = make_article(id="reuters-1", text=WIRE * 2, title="Poutine et Xi échangent", source="Reuters", lang="fr")
    copy = make_article(
        id="lefigaro-1", text=WIRE * 2 + "Avec AFP.", title="Poutine et Xi, un front uni", source="Le Figaro", lang="fr"
    )
    other = make_article(
        id="other",
        text="Le match de football a été reporté à cause de la neige. " * 10,
        title="Match reporté",
        lang="fr",
    )
    report = fake_pipeline.add_articles([original, other])
    assert report.duplicates == []
    report = fake_pipeline.add_articles([copy])
    assert report.added == ["lefigaro-1"] and report.duplicates == [("lefigaro-1", "reuters-1")]
    records = {r.article.id: r for r in fake_pipeline.store.list_articles()}
    assert records["lefigaro-1"].duplicate_of == "reuters-1" and records["reuters-1"].duplicate_of == ""
    assert len(records) == 3


def test_list_show_remove_filters(tmp_path):
    cli("add", str(ROOT / "corpus" / "wikinews_fr.jsonl"))
    listed = json.loads(cli("list", "--json", "--since", "2012-08-01", "--until", "2012-09-01").stdout)
    assert listed and all("2012-08" in r["date"] for r in listed)
    assert listed == sorted(listed, key=lambda r: r["date"], reverse=True)
    shown = json.loads(cli("show", "wikinews-fr-43971", "--json").stdout)
    assert shown["title"] == "États-Unis : Lancement réussi pour Space X Dragon" and "Falcon 9" in shown["text"]
    result = cli("remove", "wikinews-fr-43971", "nope")
    assert "1 removed" in result.stdout and "not found: nope" in result.output
    assert json.loads(cli("stats", "--json").stdout)["articles"] == 99
    result = CliRunner().invoke(main, [*FAKES, "show", "wikinews-fr-43971"])
    assert result.exit_code == 1 and "newsdesk list" in result.output


def test_changing_embedder_needs_reindex_which_rebuilds_everything(tmp_path, monkeypatch):
    cli("add", str(ROOT / "corpus" / "wikinews_fr.jsonl"))
    before = json.loads(cli("stats", "--json").stdout)
    monkeypatch.setattr(HashingEmbedder, "id", "fake-hashing-256-v2")
    result = CliRunner().invoke(main, [*FAKES, "search", "fusée"])
    assert result.exit_code == 1 and "newsdesk reindex" in result.output
    assert cli("reindex").exit_code == 0
    after = json.loads(cli("stats", "--json").stdout)
    assert after["embedder"] == "fake-hashing-256-v2" and after["articles"] == before["articles"] == 100
    assert cli("search", "fusée Falcon 9", "--json").exit_code == 0


def test_interrupted_reindex_swap_is_recovered(fake_pipeline):
    """A reindex killed between renaming the old index aside and putting the new one in place."""
    p = fake_pipeline
    p.add_articles(
        [
            make_article(id=f"a{i}", text=f"Article numéro {i} sur la météo.", title=f"Météo {i}", lang="fr")
            for i in range(5)
        ]
    )
    store = p.store
    client = store.chroma.client
    for kind in ("chunks", "articles"):  # the first half of a swap, then the crash
        client.get_collection(f"newsdesk_{kind}").modify(name=f"newsdesk__old_{kind}")
    store.forget()
    fresh = build(p.settings)
    fresh.store.rebuild.recover()
    assert fresh.store.counts()[0] == 5


def articles_jsonl(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            text = " ".join(f"Phrase {j} de l'article {i} sur le sujet {i % 7}." for j in range(40))
            fh.write(
                json.dumps(
                    {
                        "id": f"crash-{i}",
                        "title": f"Article {i}",
                        "text": text,
                        "date": "2024-01-01",
                        "source": "Test",
                        "url": None,
                        "lang": "fr",
                    }
                )
                + "\n"
            )
    return path
