"""A sentence-transformers folder's whole pipeline as one torch module, for conversion to OpenVINO (``openvino``).

Transformer → mean pooling → any Dense layers → L2 normalisation: the modules
the presets use (multilingual-e5-small: no Dense; EmbeddingGemma: 768→3072→768).
Anything else in ``modules.json`` (another pooling, a Dense with an activation)
is refused rather than converted wrongly. A Normalize module is applied whether
its folder exists or not (EmbeddingGemma's does not).

Models with bidirectional attention over full and sliding-window layers
(transformers' Gemma3 with ``use_bidirectional_attention``) build their masks
with ``torch.vmap``, which does not trace: they are given their masks ready-made,
the padding mask for full layers and, for sliding layers, the same restricted to
tokens less than ``sliding_window`` apart — what transformers computes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rag.errors import ModelError

IDENTITY = "torch.nn.modules.linear.Identity"


def _modules(st_folder: Path) -> list[dict[str, Any]]:
    try:
        return list(json.loads((st_folder / "modules.json").read_text()))
    except FileNotFoundError:  # a bare transformers folder: the presets' own layout without Dense layers
        return [{"type": "sentence_transformers.models.Transformer", "path": ""}]


def dense_configs(st_folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The Dense layers in order, with their configs; refuses modules that the conversion does not know."""
    layers = []
    for module in _modules(st_folder):
        kind = str(module.get("type", "")).rsplit(".", 1)[-1]
        folder = st_folder / module.get("path", "")
        if kind == "Pooling":
            pooling = json.loads((folder / "config.json").read_text())
            modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v is True]
            if modes != ["pooling_mode_mean_tokens"] or pooling.get("include_prompt") is False:
                raise ModelError(f"{st_folder.name}: only mean pooling over all tokens converts to OpenVINO ({modes})")
        elif kind == "Dense":
            config = json.loads((folder / "config.json").read_text())
            if config.get("activation_function", IDENTITY) != IDENTITY:
                raise ModelError(f"{folder}: a Dense layer with an activation does not convert to OpenVINO")
            layers.append((folder, config))
        elif kind not in ("Transformer", "Normalize"):
            raise ModelError(f"{st_folder.name}: module {kind or module} does not convert to OpenVINO")
    return layers


def output_dim(st_folder: Path) -> int:
    """Width of the vectors: the last Dense layer's output, else the encoder's hidden size."""
    layers = dense_configs(st_folder)
    if layers:
        return int(layers[-1][1]["out_features"])
    return int(json.loads((st_folder / "config.json").read_text())["hidden_size"])


def encoder(st_folder: Path) -> Any:
    """The pipeline as a ``torch.nn.Module`` taking (input_ids, attention_mask) and returning unit vectors."""
    import torch
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(str(st_folder))
    bidirectional = bool(getattr(config, "use_bidirectional_attention", False))
    window = getattr(config, "sliding_window", None)
    if bidirectional:
        model = AutoModel.from_pretrained(str(st_folder), attn_implementation="sdpa")
    else:
        model = AutoModel.from_pretrained(str(st_folder))
    denses = []
    for folder, cfg in dense_configs(st_folder):
        linear = torch.nn.Linear(cfg["in_features"], cfg["out_features"], bias=bool(cfg.get("bias", True)))
        weights = load_file(str(folder / "model.safetensors"))
        linear.load_state_dict({k.removeprefix("linear."): v for k, v in weights.items()})
        denses.append(linear)

    class Encoder(torch.nn.Module):
        def __init__(self, model, denses):
            super().__init__()
            self.model = model
            self.denses = torch.nn.ModuleList(denses)

        def masks(self, attention_mask):
            keys = attention_mask[:, None, None, :].bool()  # (batch, 1, 1, kv): padding hidden from every query
            if window is None:
                return {"full_attention": keys, "sliding_attention": keys}
            position = torch.arange(attention_mask.shape[1])
            near = (position[None, :] - position[:, None]).abs() < window
            return {"full_attention": keys, "sliding_attention": keys & near[None, None]}

        def forward(self, input_ids, attention_mask):
            if bidirectional:
                out = self.model(input_ids=input_ids, attention_mask=self.masks(attention_mask), use_cache=False)
            else:
                out = self.model(input_ids=input_ids, attention_mask=attention_mask)
            hidden = out.last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            for dense in self.denses:
                pooled = dense(pooled)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    return Encoder(model.eval(), denses).eval()
