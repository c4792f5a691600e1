"""The Python API: one object over a data directory, for notebooks and scripts.

    from rag import Newsdesk

    desk = Newsdesk(data_dir="~/newsdesk-data", llm__temperature=0)
    desk.add(["corpus/", "https://example.org/article.html"])
    answer = desk.ask("Pourquoi la Chine est-elle importante pour la Russie ?")

Settings are the same as everywhere else (``newsdesk config`` lists them): a
keyword names a dotted setting with ``__`` for the dot, as the ``NEWSDESK_…``
environment variables do, and ``settings`` takes dotted names as given.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from rag.config import load_settings
from rag.events import Event
from rag.ingest.indexing import IngestReport
from rag.pipeline import Pipeline, build
from rag.settings import Settings
from rag.types import Answer, Filters, Message, Retrieval


class Newsdesk:
    """A news archive to add articles to and ask questions of."""

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        config_file: str | Path | None = None,
        settings: Mapping[str, Any] | None = None,
        **options: Any,
    ):
        overrides = {key.replace("__", "."): value for key, value in options.items()}
        overrides.update(settings or {})
        if data_dir is not None:
            overrides["data_dir"] = str(Path(data_dir).expanduser())
        self.pipeline: Pipeline = build(
            load_settings(overrides, config_file=Path(config_file) if config_file else None)
        )

    @property
    def settings(self) -> Settings:
        return self.pipeline.settings

    def add(self, inputs: str | Path | Iterable[str | Path]) -> IngestReport:
        """Add files, folders (recursively) and http(s) addresses; what was added, skipped and rejected, and why."""
        items = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
        return self.pipeline.add([str(i) for i in items])

    def add_text(self, text: str, source: str = "python") -> IngestReport:
        """Add one article from its text (a first line that looks like a title becomes the title)."""
        return self.pipeline.add_text(text, source)

    def ask(
        self,
        question: str,
        history: Sequence[Message] = (),
        filters: Filters | None = None,
        today: date | None = None,
    ) -> Answer:
        """The checked, cited answer (``history``: the conversation so far, for follow-up questions)."""
        return self.pipeline.ask(question, history, filters, today)

    def stream(
        self,
        question: str,
        history: Sequence[Message] = (),
        filters: Filters | None = None,
        today: date | None = None,
    ) -> Iterator[Event]:
        """The answer as it is made: a ``RetrievalEvent``, then one ``SentenceEvent`` per checked sentence, then
        the ``AnswerEvent``."""
        return self.pipeline.ask_stream(question, history, filters, today)

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> Retrieval:
        """The passages retrieval finds for ``query``, with their scores (no LLM)."""
        return self.pipeline.search(query, filters, k)
