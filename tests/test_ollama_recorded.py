"""The Ollama backend against recorded responses of Ollama's documented HTTP API."""

import json

import httpx
import pytest
import respx

from rag.config import load_settings
from rag.errors import BackendUnavailable, ModelError
from rag.models import llms

URL = "http://127.0.0.1:11434"
SHOW_OK = {
    "modelfile": "FROM qwen2.5:7b",
    "parameters": "",
    "template": "{{ .Prompt }}",
    "details": {"format": "gguf", "family": "qwen2", "parameter_size": "7.6B", "quantization_level": "Q4_K_M"},
    "model_info": {"qwen2.context_length": 32768},
}
CHAT_STREAM = [
    {
        "model": "qwen2.5:7b",
        "created_at": "2024-05-01T10:00:00Z",
        "message": {"role": "assistant", "content": "La Chine "},
        "done": False,
    },
    {
        "model": "qwen2.5:7b",
        "created_at": "2024-05-01T10:00:00Z",
        "message": {"role": "assistant", "content": "achète du gaz [1]."},
        "done": False,
    },
    {
        "model": "qwen2.5:7b",
        "created_at": "2024-05-01T10:00:01Z",
        "message": {"role": "assistant", "content": ""},
        "done": True,
        "done_reason": "stop",
        "total_duration": 1200000000,
        "load_duration": 1000000,
        "prompt_eval_count": 812,
        "prompt_eval_duration": 900000000,
        "eval_count": 9,
        "eval_duration": 300000000,
    },
]


def settings():
    return load_settings(
        {"llm.backend": "ollama", "llm.ollama_host": "127.0.0.1:11434", "llm.context_window": 6144}, environ={}
    )


def ndjson(lines):
    return "\n".join(json.dumps(line) for line in lines) + "\n"


@respx.mock
def test_streams_answer_and_sets_num_ctx():
    respx.post(f"{URL}/api/show").mock(return_value=httpx.Response(200, json=SHOW_OK))
    chat = respx.post(f"{URL}/api/chat").mock(return_value=httpx.Response(200, text=ndjson(CHAT_STREAM)))
    llm = llms.create(settings())
    out = "".join(llm.stream([llms.Message("system", "S"), llms.Message("user", "Q")], 64))
    assert out == "La Chine achète du gaz [1]."
    body = json.loads(chat.calls.last.request.content)
    assert body["options"]["num_ctx"] == 6144  # set explicitly, never Ollama's small default
    assert body["model"] == "qwen2.5:7b" and body["stream"] is True
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


@respx.mock
def test_missing_model_names_ollama_pull():
    respx.post(f"{URL}/api/show").mock(return_value=httpx.Response(404, json={"error": "model 'qwen2.5:7b' not found"}))
    with pytest.raises(ModelError, match="run `ollama pull qwen2.5:7b`"):
        llms.create(settings())


@respx.mock
def test_server_error_during_chat_is_one_line():
    respx.post(f"{URL}/api/show").mock(return_value=httpx.Response(200, json=SHOW_OK))
    respx.post(f"{URL}/api/chat").mock(
        return_value=httpx.Response(500, json={"error": "llama runner process has terminated: signal: killed"})
    )
    llm = llms.create(settings())
    with pytest.raises(BackendUnavailable, match="llama runner process has terminated"):
        list(llm.stream([llms.Message("user", "Q")], 64))
