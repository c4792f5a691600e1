"""Saved conversations: one JSON file per conversation in the data directory."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from rag.types import Message

log = logging.getLogger(__name__)
ID = re.compile(r"[0-9a-f]{12}")
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
        from rag.answer.citations import strip_markers

        messages: list[Message] = []
        for turn in self.turns[-HISTORY_TURNS:]:
            messages.append(Message("user", turn["question"]))
            messages.append(Message("assistant", strip_markers(turn["answer"].get("answer", ""))))
        return messages


def parse(raw: str, expected_id: str) -> Conversation:
    """A conversation from its saved JSON, every field checked (files come from disk and backups); raises ValueError."""
    from rag.types import Answer

    data = json.loads(raw)
    if not isinstance(data, dict) or data.get("id") != expected_id or not ID.fullmatch(expected_id):
        raise ValueError("the conversation's id does not match its file name")
    turns = data.get("turns")
    if not isinstance(turns, list):
        raise ValueError("turns must be a list")
    for turn in turns:
        if (
            not isinstance(turn, dict)
            or not isinstance(turn.get("question"), str)
            or not isinstance(turn.get("answer"), dict)
        ):
            raise ValueError("a turn must hold a question and an answer")
        Answer.from_dict(turn["answer"])
    title, created, updated = data.get("title", ""), data.get("created", 0), data.get("updated", 0)
    if not isinstance(title, str) or not all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in (created, updated)
    ):
        raise ValueError("bad title or times")
    return Conversation(id=expected_id, title=title, created=float(created), updated=float(updated), turns=turns)


class ConversationStore:
    """Saved conversations; with a login, each user has a folder of their own."""

    def __init__(self, data_dir: Path, user: str | None = None):
        self.folder = Path(data_dir) / "conversations"
        if user:
            self.folder = self.folder / "users" / hashlib.sha256(user.encode("utf-8")).hexdigest()[:16]

    def _path(self, id: str) -> Path:
        if not ID.fullmatch(id or ""):
            raise ValueError(f"invalid conversation id {id!r}")
        return self.folder / f"{id}.json"

    def save(self, conversation: Conversation) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".conv-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(conversation.__dict__, fh, ensure_ascii=False)
        os.replace(tmp, self._path(conversation.id))

    def load(self, id: str) -> Conversation | None:
        """The saved conversation ``id``, or None when it is missing or not a valid conversation file."""
        if not ID.fullmatch(id or ""):
            return None
        try:
            return parse(self._path(id).read_text(encoding="utf-8"), id)
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("conversation %s skipped: %s", id, exc)
            return None

    def list(self) -> list[Conversation]:
        """Saved conversations, most recent first."""
        out = []
        for path in self.folder.glob("*.json"):
            conv = self.load(path.stem)
            if conv is not None and conv.turns:
                out.append(conv)
        return sorted(out, key=lambda c: c.updated, reverse=True)
