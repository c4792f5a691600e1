import io
import json
import tarfile

from click.testing import CliRunner

from rag.cli import main

from conftest import FAKES, ROOT


def cli(data, *args):
    return CliRunner().invoke(main, [*FAKES, "--data-dir", str(data), *args], catch_exceptions=False)


def test_backup_restore_round_trip(tmp_path):
    from rag.answer.conversations import Conversation, ConversationStore
    from rag.ingest.feeds import FeedList

    src = tmp_path / "src"
    cli(src, "add", str(ROOT / "corpus"))
    FeedList(src).add("https://example.org/feed.xml", "Exemple")
    conv = Conversation()
    from rag.types import Answer

    conv.add("Pourquoi ?", Answer("Pourquoi ?", "fr", "Parce que.", False).to_dict())
    ConversationStore(src).save(conv)
    before = json.loads(cli(src, "stats", "--json").stdout)
    archive = tmp_path / "b.tar.gz"
    assert "101 articles saved" in cli(src, "backup", str(archive)).stdout
    dst = tmp_path / "dst"
    result = cli(dst, "restore", str(archive))
    assert result.exit_code == 0 and "restored 101 articles" in result.stdout
    after = json.loads(cli(dst, "stats", "--json").stdout)
    assert {k: v for k, v in after.items() if k != "store"} == {k: v for k, v in before.items() if k != "store"}
    assert [f.url for f in FeedList(dst).load()] == ["https://example.org/feed.xml"]
    assert ConversationStore(dst).load(conv.id).turns == conv.turns
    hits = json.loads(cli(dst, "search", "fusée Falcon 9", "--json").stdout)["hits"]
    assert hits and hits[0]["article_id"] == "wikinews-fr-43971"
    # Restoring over data needs --force; the old data stays when refused.
    refused = CliRunner().invoke(main, [*FAKES, "--data-dir", str(dst), "restore", str(archive)])
    assert refused.exit_code == 1 and "--force" in refused.output
    assert cli(dst, "restore", "--force", str(archive)).exit_code == 0


def test_hostile_archives_are_refused(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        for name, data in (("manifest.json", b"{}"), ("../../escape.txt", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    result = CliRunner().invoke(main, [*FAKES, "--data-dir", str(tmp_path / "d"), "restore", str(evil)])
    assert result.exit_code == 1 and "unsafe entry" in result.output
    assert not (tmp_path / "escape.txt").exists()
    link = tmp_path / "link.tar.gz"
    with tarfile.open(link, "w:gz") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
        sym = tarfile.TarInfo("data/store")
        sym.type = tarfile.SYMTYPE
        sym.linkname = "/etc"
        tar.addfile(sym)
    result = CliRunner().invoke(main, [*FAKES, "--data-dir", str(tmp_path / "d2"), "restore", str(link)])
    assert result.exit_code == 1 and "unsafe entry" in result.output
    garbage = tmp_path / "g.tar.gz"
    garbage.write_bytes(b"not a tar")
    result = CliRunner().invoke(main, [*FAKES, "--data-dir", str(tmp_path / "d3"), "restore", str(garbage)])
    assert result.exit_code == 1 and "not a Newsdesk backup" in result.output


def test_an_archive_expanding_past_the_free_space_is_refused(tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    bomb = tmp_path / "bomb.tar.gz"
    with tarfile.open(bomb, "w:gz") as tar:
        for name, size in (("manifest.json", 2), ("data/store/blob", 64_000_000)):
            info = tarfile.TarInfo(name)
            info.size = size
            tar.addfile(info, io.BytesIO(bytes(size)))
    assert bomb.stat().st_size < 1_000_000  # a small file that expands 64x and more
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 250_000_000, 250_000_000))
    data = tmp_path / "d"
    result = CliRunner().invoke(main, [*FAKES, "--data-dir", str(data), "restore", str(bomb)])
    assert result.exit_code == 1 and "expands to 0.1 GB but only 0.2 GB is free" in result.output
    assert not data.exists() or {p.name for p in data.iterdir()} <= {".newsdesk.lock"}  # nothing restored
    assert not list(tmp_path.glob(".d-restore-*"))  # nothing left half-extracted
