"""The Python API: the README's example runs as written, and the facade keeps the pipeline's behaviour."""

import os
import re

import pytest

from conftest import ROOT

pytestmark = pytest.mark.usefixtures("fake_backends_env")


@pytest.fixture
def fake_backends_env(monkeypatch, tmp_path):
    """The fast suite's fake embedder and model, chosen the way a user chooses settings: the environment."""
    for key, value in {
        "NEWSDESK_EMBEDDER__BACKEND": "fake",
        "NEWSDESK_LLM__BACKEND": "fake",
        "NEWSDESK_RETRIEVAL__MIN_RELEVANCE": "-100",
        "NEWSDESK_ANSWER__TOPIC_RELEVANCE": "-100",
        "NEWSDESK_ANSWER__VERIFY": "false",  # a scripted model gives no second opinion
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT)  # the example names corpus/ relative to the checkout
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "unused"))


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_runs(tmp_path, capsys):
    code = readme_example().replace('data_dir="newsdesk-data"', f"data_dir={str(tmp_path / 'desk')!r}")
    assert code != readme_example()  # the example's data folder is the one replaced
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "1 added" in out and "[1] Coopération" in out and (tmp_path / "desk").is_dir()
    assert not (ROOT / "newsdesk-data").exists()


def test_keywords_are_dotted_settings_and_the_answer_is_the_cli_object(tmp_path):
    from rag import Newsdesk
    from rag.events import AnswerEvent, RetrievalEvent, SentenceEvent

    desk = Newsdesk(tmp_path, llm__max_tokens=123, settings={"retrieval.top_k": 3})
    assert desk.settings.llm.max_tokens == 123 and desk.settings.retrieval.top_k == 3
    assert str(desk.settings.data_dir) == str(tmp_path)
    assert desk.add(ROOT / "corpus" / "000_1c72bd9b86d46715.txt").added
    events = list(desk.stream("Pourquoi la Chine achète-t-elle du pétrole à la Russie ?"))
    assert isinstance(events[0], RetrievalEvent) and isinstance(events[-1], AnswerEvent)
    assert all(isinstance(e, SentenceEvent) for e in events[1:-1])
    answer = events[-1].answer
    assert answer.language == "fr" and answer.citations and answer.to_dict()["schema_version"] == 1
    assert os.environ["NEWSDESK_DATA_DIR"] != str(tmp_path)  # the argument wins over the environment
