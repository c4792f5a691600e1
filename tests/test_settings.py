import pytest

from rag.config import load_settings
from rag.errors import ConfigError


def test_defaults_have_documented_values(tmp_path):
    s = load_settings(environ={})
    assert s.llm.backend == "auto"
    assert s.embedder.model == "multilingual-e5-small"
    assert s.ui.host == "127.0.0.1" and s.ui.port == 7860
    assert s.data_dir.name == "newsdesk"
    assert s.origin("llm.backend") == "default"


def test_precedence_default_toml_env_cli(tmp_path):
    toml = tmp_path / "newsdesk.toml"
    toml.write_text("[llm]\ntemperature = 0.5\nmax_tokens = 100\ncontext_window = 2048\n[retrieval]\ntop_k = 7\n")
    env = {"NEWSDESK_LLM__MAX_TOKENS": "200", "NEWSDESK_LLM__CONTEXT_WINDOW": "3000"}
    s = load_settings({"llm.context_window": 8192}, environ=env, config_file=toml)
    assert s.llm.temperature == 0.5 and s.origin("llm.temperature").startswith("newsdesk.toml")
    assert s.llm.max_tokens == 200 and s.origin("llm.max_tokens") == "env NEWSDESK_LLM__MAX_TOKENS"
    assert s.llm.context_window == 8192 and s.origin("llm.context_window") == "cli"
    assert s.retrieval.top_k == 7
    assert s.llm.seed == 0 and s.origin("llm.seed") == "default"


def test_toml_in_working_directory_is_found(tmp_path):
    (tmp_path / "newsdesk.toml").write_text("[ui]\nport = 9000\n")
    assert load_settings(environ={}).ui.port == 9000


def test_documented_shortcuts(tmp_path):
    env = {
        "NEWSDESK_DATA_DIR": str(tmp_path / "d"),
        "NEWSDESK_MODELS_DIR": str(tmp_path / "m"),
        "NEWSDESK_STORE_URL": "http://127.0.0.1:8123",
        "NEWSDESK_UI_AUTH": "alice:secret",
        "OLLAMA_HOST": "127.0.0.1:11500",
    }
    s = load_settings(environ=env)
    assert s.data_dir == tmp_path / "d" and s.models_dir == tmp_path / "m"
    assert s.store.url == "http://127.0.0.1:8123" and s.origin("store.url") == "env NEWSDESK_STORE_URL"
    assert s.ui.auth == "alice:secret"
    assert s.llm.ollama_host == "127.0.0.1:11500" and s.origin("llm.ollama_host") == "env OLLAMA_HOST"
    described = {row["key"]: row for row in s.describe()}
    assert described["ui.auth"]["value"] == "***"  # secrets are not printed


def test_cli_data_dir_beats_env(tmp_path):
    s = load_settings({"data_dir": str(tmp_path / "cli")}, environ={"NEWSDESK_DATA_DIR": str(tmp_path / "env")})
    assert s.data_dir == tmp_path / "cli" and s.origin("data_dir") == "cli"


@pytest.mark.parametrize(
    "cli, fragment",
    [
        ({"llm.temperature": "hot"}, "llm.temperature"),
        ({"ui.port": 70000}, "ui.port"),
        ({"llm.nonsense": 1}, "llm.nonsense"),
    ],
)
def test_invalid_values_give_one_line_errors(cli, fragment):
    with pytest.raises(ConfigError) as err:
        load_settings(cli, environ={})
    message = str(err.value)
    assert fragment in message and "\n" not in message


def test_broken_toml_names_the_file(tmp_path):
    bad = tmp_path / "newsdesk.toml"
    bad.write_text("[llm\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(environ={}, config_file=bad)


def test_describe_lists_every_leaf_with_a_description():
    rows = load_settings(environ={}).describe()
    keys = {r["key"] for r in rows}
    assert {"data_dir", "models_dir", "store.url", "llm.backend", "embedder.model", "ui.port"} <= keys
    assert all(r["description"] for r in rows)


@pytest.mark.parametrize(
    "cli, fragment",
    [
        ({"llm.backend": "gpt5"}, "unknown LLM backend 'gpt5'"),
        ({"embedder.backend": "quantum"}, "unknown embedder backend"),
    ],
)
def test_unknown_backends_are_refused_when_the_pipeline_is_built(cli, fragment):
    from rag.pipeline import build

    with pytest.raises(ConfigError, match=fragment) as err:
        build(load_settings(cli, environ={}))
    assert "choose one of" in str(err.value) and "\n" not in str(err.value)
