"""A full disk or a read-only data directory: clear errors, nothing corrupted."""

import subprocess

import pytest
from click.testing import CliRunner

from rag.cli import main

from conftest import ROOT
from test_writers import fresh_view

FAKES = ["--set", "embedder.backend=fake", "--set", "llm.backend=fake"]


def cli(data, *args):
    return CliRunner().invoke(main, [*FAKES, "--data-dir", str(data), *args])


def mount(*args):
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount here ({result.stderr.strip()}); this test needs root")


@pytest.fixture
def small_disk(tmp_path):
    folder = tmp_path / "small"
    folder.mkdir()
    mount("-t", "tmpfs", "-o", "size=3m", "tmpfs", str(folder))
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)  # lazy: the in-process store may still hold files open


def test_disk_full_is_a_clear_error_and_nothing_half_written(small_disk):
    data = small_disk / "data"
    assert cli(data, "add", str(ROOT / "corpus" / "000_1c72bd9b86d46715.txt")).exit_code == 0
    result = cli(data, "add", str(ROOT / "corpus" / "wikinews_fr.jsonl"))
    assert result.exit_code == 1
    line = result.output.strip().splitlines()[-1]
    assert "disk" in line and "free disk space" in line
    # Read by a fresh process (this one's Chroma client saw the writes): the first article is intact,
    # whatever else is visible is whole.
    view = fresh_view(data, "Chine Russie")
    assert any(t.startswith("Coopération") for t in view["titles"])
    assert view["broken"] == [] and view["search"]


def test_read_only_data_directory(tmp_path):
    data = tmp_path / "data"
    assert cli(data, "add", str(ROOT / "corpus" / "000_1c72bd9b86d46715.txt")).exit_code == 0
    mount("--bind", str(data), str(data))
    try:
        mount("-o", "remount,ro,bind", str(data))
        result = cli(data, "add", str(ROOT / "corpus" / "wikinews_fr.jsonl"))
        assert result.exit_code == 1 and "read-only" in result.output and "\n" not in result.output.strip()
    finally:
        subprocess.run(["umount", "-l", str(data)], check=False)
    view = fresh_view(data, "Chine Russie")
    assert view["articles"] == 1 and view["broken"] == [] and view["search"]
