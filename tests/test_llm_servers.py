"""The openai backend against a real llama.cpp server, and model servers that are down, slow or broken."""

import pytest

from rag.config import load_settings
from rag.errors import BackendUnavailable
from rag.models import llms
from rag.models.catalog import resolve_llm_path
from rag.pipeline import build

from conftest import SEED
from servers import llama_server, misbehaving_server

pytestmark = pytest.mark.slow


def settings(tmp_path, **cli):
    base = {
        "data_dir": str(tmp_path / "data"),
        "llm.backend": "openai",
        "llm.openai_model": "local",
        "llm.max_tokens": 96,
    }
    return load_settings({**base, **cli}, environ={})


def test_openai_backend_against_llama_cpp_server(tmp_path):
    model = resolve_llm_path(load_settings(environ={}).models_dir, "qwen2.5-coder-0.5b-instruct")
    with llama_server(model) as url:
        s = settings(tmp_path, **{"llm.openai_base_url": url})
        llm = llms.create(s)
        assert llm.name == "openai:local"
        text = "".join(
            llm.stream([llms.Message("user", "Réponds par un seul mot : quelle est la capitale de la France ?")], 16)
        )
        assert "paris" in text.lower()
        p = build(s)
        p.add([SEED])
        answer = p.ask("Pourquoi la Chine est-elle importante pour la Russie selon l'article ?")
        assert answer.model == "openai:local" and answer.answer and answer.timings["ttft_s"] is not None


@pytest.mark.parametrize("mode, message", [("slow", "did not answer in time"), ("garbage", "failed")])
def test_slow_or_garbage_model_server_is_a_clear_error_and_history_is_kept(tmp_path, mode, message):
    from rag.answer.conversations import Conversation

    with misbehaving_server(mode) as url:
        s = settings(
            tmp_path,
            **{
                "llm.openai_base_url": url,
                "llm.timeout_s": 2,
                "embedder.backend": "fake",
                "retrieval.min_relevance": -100.0,
                "answer.topic_relevance": -100.0,
                "models_dir": str(tmp_path / "models"),
            },
        )
        p = build(s)
        p.add([SEED])
        conv = Conversation()
        conv.add("Première question ?", {"answer": "Première réponse."})
        before = list(conv.turns)
        with pytest.raises(BackendUnavailable) as err:
            p.ask("Pourquoi la Chine est-elle importante pour la Russie ?", conv.history())
        assert message in str(err.value) and "\n" not in str(err.value)
        assert conv.turns == before


def test_model_server_down(tmp_path):
    s = settings(
        tmp_path,
        **{
            "llm.openai_base_url": "http://127.0.0.1:9/v1",
            "embedder.backend": "fake",
            "retrieval.min_relevance": -100.0,
            "answer.topic_relevance": -100.0,
            "models_dir": str(tmp_path / "models"),
        },
    )
    p = build(s)
    p.add([SEED])
    with pytest.raises(BackendUnavailable, match="unreachable"):
        p.ask("Pourquoi la Chine est-elle importante pour la Russie ?")
