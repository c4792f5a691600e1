"""Saved conversations: one JSON file per conversation in the data directory."""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .llms import Message

HISTORY_TURNS = 2  # turns given to the model and the query rewriter: enough for "Et la Chine ?"


@dataclass
class Conversation:
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    title: str = ""
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    turns: list[dict] = field(default_factory=list)  # {"question": str, "answer": Answer.to_dict()}

    def add(self, question: str, answer: dict) -> None:
        self.turns.append({"question": question, "answer": answer})
        self.title = self.title or question[:80]
        self.updated = time.time()

    def history(self) -> list[Message]:
        """The last turns as chat messages (answers without citation markers)."""
        from .citations import strip_markers

        messages: list[Message] = []
        for turn in self.turns[-HISTORY_TURNS:]:
            messages.append(Message("user", turn["question"]))
            messages.append(Message("assistant", strip_markers(turn["answer"].get("answer", ""))))
        return messages


class ConversationStore:
    def __init__(self, data_dir: Path):
        self.folder = Path(data_dir) / "conversations"

    def _path(self, id: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{12}", id):
            raise ValueError(f"invalid conversation id {id!r}")
        return self.folder / f"{id}.json"

    def save(self, conversation: Conversation) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".conv-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(conversation.__dict__, fh, ensure_ascii=False)
        os.replace(tmp, self._path(conversation.id))

    def load(self, id: str) -> Conversation | None:
        try:
            return Conversation(**json.loads(self._path(id).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def list(self) -> list[Conversation]:
        """Saved conversations, most recent first."""
        out = []
        for path in self.folder.glob("*.json"):
            conv = self.load(path.stem)
            if conv is not None and conv.turns:
                out.append(conv)
        return sorted(out, key=lambda c: c.updated, reverse=True)
