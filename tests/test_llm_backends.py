import pytest

from rag import llms
from rag.errors import ModelError
from rag.settings import load_settings


def settings(**cli):
    return load_settings(cli, environ={})


@pytest.mark.parametrize(
    "cli, ollama_up, expected",
    [
        ({}, False, "llamacpp"),
        ({}, True, "ollama"),
        ({"llm.ollama_host": "10.0.0.5:11434"}, False, "ollama"),
        ({"llm.openai_base_url": "http://127.0.0.1:8080/v1"}, True, "openai"),
        ({"llm.backend": "llamacpp"}, True, "llamacpp"),
        ({"llm.backend": "ollama"}, False, "ollama"),
    ],
)
def test_auto_picks_configured_then_reachable_ollama_then_embedded(cli, ollama_up, expected):
    probed = []

    def probe(url):
        probed.append(url)
        return ollama_up

    assert llms.resolve_backend(settings(**cli), probe=probe) == expected
    if expected == "llamacpp" and cli.get("llm.backend") != "llamacpp":
        assert probed == [llms.DEFAULT_OLLAMA]


def test_registered_fake_backend_is_used(fake_settings):
    llm = llms.create(fake_settings)
    assert llm.name == "fake:scripted"


@pytest.mark.parametrize(
    "host, url",
    [
        (None, "http://127.0.0.1:11434"),
        ("localhost", "http://localhost:11434"),
        ("0.0.0.0", "http://127.0.0.1:11434"),
        ("gpu-box:11500", "http://gpu-box:11500"),
        ("https://ollama.example.org", "https://ollama.example.org"),
        ("http://10.0.0.1:8080/", "http://10.0.0.1:8080"),
    ],
)
def test_ollama_host_forms(host, url):
    assert llms.ollama_url(host) == url


def test_unreachable_ollama_is_a_clear_error():
    from rag.errors import BackendUnavailable

    s = settings(**{"llm.backend": "ollama", "llm.ollama_host": "127.0.0.1:9"})
    with pytest.raises(BackendUnavailable, match="unreachable.*OLLAMA_HOST"):
        llms.create(s)


def test_openai_without_url_is_a_clear_error():
    with pytest.raises(ModelError, match="openai_base_url"):
        llms.create(settings(**{"llm.backend": "openai"}))


def test_unknown_llm_preset_is_a_clear_error(tmp_path):
    s = settings(**{"llm.backend": "llamacpp", "llm.model": "llama-9000", "models_dir": str(tmp_path)})
    with pytest.raises(ModelError, match="unknown LLM preset 'llama-9000'"):
        llms.create(s)


def test_missing_preset_file_says_how_to_provision(tmp_path):
    s = settings(**{"llm.backend": "llamacpp", "models_dir": str(tmp_path)})
    with pytest.raises(ModelError, match="newsdesk models provision qwen2.5-coder-1.5b-instruct"):
        llms.create(s)


def test_chatml_template():
    text = llms.chatml([llms.Message("system", "S"), llms.Message("user", "U")])
    assert text == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n"
