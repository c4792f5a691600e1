"""Progress bars on stderr (tqdm), one per stage of work; silent when stderr is not a terminal or with ``--quiet``."""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm


class Bars:
    """A bar per stage; ``update(stage, done, total)`` moves the current one and opens the next stage's."""

    def __init__(self, unit: str, quiet: bool = False):
        self.unit = unit
        self.quiet = quiet or not sys.stderr.isatty()
        self._stage: str | None = None
        self._bar: Any = None

    def update(self, stage: str, done: int, total: int, detail: str = "") -> None:
        if self.quiet or not total:
            return
        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = tqdm(total=total, desc=stage, unit=self.unit, file=sys.stderr, leave=True, disable=False)
        self._bar.total = total
        self._bar.update(done - self._bar.n)
        if detail:
            self._bar.set_postfix_str(detail, refresh=False)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            self._stage = None

    def ingest(self, label: str):  # noqa: ANN201 — the Progress callback of ``IngestReport`` producers
        """The ``(done, total, chunks)`` callback of an add, reindex or feed update."""

        def report(done: int, total: int, chunks: int) -> None:
            self.update(label, done, total, f"{chunks} chunks")

        return report
