"""The wheel works outside the checkout: built, installed apart, run from another directory."""

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, SEED

pytestmark = pytest.mark.slow  # the real models, and pip building the wheel


def test_the_installed_wheel_adds_and_answers_from_another_directory(tmp_path):
    dist, target, elsewhere = tmp_path / "dist", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(dist), str(ROOT)], check=True)
    (wheel,) = dist.glob("newsdesk-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    (elsewhere / "article.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(target), "HF_HUB_OFFLINE": "1", "NEWSDESK_DATA_DIR": str(tmp_path / "d")}

    def newsdesk(*args):
        return subprocess.run(
            [sys.executable, "-m", "rag.cli", *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    where = subprocess.run(
        [sys.executable, "-c", "import rag, ui; print(rag.__file__); print(ui.__file__)"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert all(line.startswith(str(target)) for line in where.split())  # nothing read from the checkout
    assert newsdesk("add", "article.txt").returncode == 0
    asked = newsdesk("ask", "--json", "Pourquoi la Chine achète-t-elle du pétrole à la Russie ?")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["language"] == "fr" and not answer["refused"] and answer["citations"]
