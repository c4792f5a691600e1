"""Shared fixtures.

Every test gets its own data directory under ``tmp_path``; the models
directory stays the machine's shared one (models are provisioned once).
Fakes for fast logic tests go through the same registries the product uses.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
SEED = ROOT / "corpus" / "000_1c72bd9b86d46715.txt"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path, monkeypatch):
    """Send the data directory (and any settings file lookup) to this test's tmp_path."""
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    for var in ("NEWSDESK_CONFIG", "NEWSDESK_STORE_URL", "OLLAMA_HOST", "NEWSDESK_UI_AUTH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data"


# -- fakes, registered like real backends ------------------------------------

# Command-line flags for the fakes; their scores are not calibrated, so the relevance and topic gates are off, and a
# scripted model gives no second opinion on its own sentences.
FAKES = [
    "--set",
    "embedder.backend=fake",
    "--set",
    "llm.backend=fake",
    "--set",
    "retrieval.min_relevance=-100",
    "--set",
    "answer.topic_relevance=-100",
    "--set",
    "answer.verify=false",
]


class HashingEmbedder:
    """Bag of words hashed into 256 dimensions: similar words, similar vectors."""

    id = "fake-hashing-256"
    dim = 256
    max_tokens = 200

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            v[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        v += 1e-3  # never a zero vector
        return v / np.linalg.norm(v)

    def embed_documents(self, texts):
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_queries(self, texts):
        return self.embed_documents(texts)


class ScriptedLLM:
    """Answers with a fixed text (or each call with the next of a list of them, the last one repeated), or by quoting
    the first passage with its marker."""

    name = "fake:scripted"
    context_window = 4096

    def __init__(self, reply: str | list[str] | None = None):
        self.reply = reply
        self.calls: list[list] = []
        self.yielded = 0  # pieces of text read by the caller: a caller that stops early reads fewer

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(self, messages, max_tokens):
        self.calls.append(list(messages))
        if self.reply is not None:
            text = self.reply if isinstance(self.reply, str) else self.reply[min(len(self.calls), len(self.reply)) - 1]
        else:
            user = messages[-1].content
            m = re.search(r"<<<\n[^\n]*\n(.+?)(?:\n|$)", user)  # the line after the passage's title
            first = re.split(r"(?<=[.!?])\s", m.group(1))[0] if m else "Nothing."
            text = f"{first} [1]"
        for piece in re.findall(r"\S+\s*", text):
            self.yielded += 1
            yield piece


@pytest.fixture(scope="session", autouse=True)
def register_fakes():
    from rag.models import embedders, llms

    embedders.REGISTRY["fake"] = lambda settings: HashingEmbedder()
    llms.REGISTRY["fake"] = lambda settings: ScriptedLLM()
    yield
    embedders.REGISTRY.pop("fake", None)
    llms.REGISTRY.pop("fake", None)


def fake_values(tmp_path, **overrides):
    """Setting values for the fake embedder and LLM (their scores are not calibrated: the gates are off; a scripted
    model gives no second opinion), with the data and models directories in ``tmp_path``; ``overrides`` are dotted
    settings."""
    return {
        "embedder.backend": "fake",
        "llm.backend": "fake",
        "retrieval.min_relevance": -100.0,
        "answer.topic_relevance": -100.0,
        "answer.verify": False,
        "data_dir": str(tmp_path / "data"),
        "models_dir": str(tmp_path / "models"),
        **overrides,
    }


@pytest.fixture
def fake_settings(tmp_path):
    """Settings with the fake embedder and LLM, and an embedded store in tmp_path."""
    from rag.config import load_settings

    return load_settings(fake_values(tmp_path), environ={})


@pytest.fixture
def fake_pipeline(fake_settings):
    from rag.pipeline import build

    return build(fake_settings)


def require_shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA
