"""Exporting the student to ONNX (dynamo exporter, one file, dynamic batch / visit / code
axes), checking parity against torch at several shapes, and writing a complete model
bundle in the contract `leader-infer` checks at load."""

from __future__ import annotations

import datetime
import hashlib
import os
import shutil

import numpy as np
import torch

from .common import write_json
from .data import Dataset, collate, sha256
from .student import INPUTS, Student

PARITY_TOLERANCE = 1e-5


class _Export(torch.nn.Module):
    def __init__(self, m: Student):
        super().__init__()
        self.m = m

    def forward(self, diagnoses, procedures, medications, profile):
        return self.m(diagnoses, procedures, medications, profile)


def random_batch(vocab: dict[str, int], b: int, v: int, c: tuple[int, int, int], p: int, seed: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = {name: torch.randint(1, vocab[name], (b, v, w), generator=g) for name, w in zip(INPUTS[:3], c)}
    for name in INPUTS[:3]:  # some padding, as real batches have
        x[name][:, :, -1] = 0
    x["medications"][:, -1, :] = 0
    x["profile"] = torch.randint(1, vocab["profile"], (b, p), generator=g)
    return x


def onnx_export(model: Student, path: str, example: dict[str, torch.Tensor]) -> None:
    model.eval()
    b, v = torch.export.Dim("batch", min=1), torch.export.Dim("visits", min=1)
    shapes = {
        "diagnoses": {0: b, 1: v, 2: torch.export.Dim("dx_codes", min=1)},
        "procedures": {0: b, 1: v, 2: torch.export.Dim("px_codes", min=1)},
        "medications": {0: b, 1: v, 2: torch.export.Dim("med_codes", min=1)},
        "profile": {0: b},
    }
    tmp = f"{path}.tmp"
    torch.onnx.export(_Export(model).eval(), tuple(example[k] for k in INPUTS), tmp, input_names=INPUTS, output_names=["logits", "hidden"],
                      dynamic_shapes=shapes, dynamo=True, external_data=False, optimize=True)
    os.replace(tmp, path)


def parity(model: Student, path: str, vocab: dict[str, int], profile_len: int) -> list[dict]:
    """Max abs difference torch vs ONNX Runtime at shapes unlike the export example."""
    import onnxruntime as ort

    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    out = []
    for k, (b, v, c) in enumerate([(1, 1, (1, 1, 1)), (3, 2, (5, 2, 7)), (17, 4, (9, 3, 4)), (2, 3, (40, 16, 48))]):
        x = random_batch(vocab, b, v, c, profile_len, 1000 + k)
        with torch.no_grad():
            want = model(**x)[0].numpy()
        got = sess.run(["logits"], {n: x[n].numpy() for n in INPUTS})[0]
        out.append({"batch": b, "visits": v, "codes": list(c), "max_abs_diff": float(np.abs(got - want).max())})
    return out


def flops_per_visit(model: Student, vocab: dict[str, int], profile_len: int) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    x = random_batch(vocab, 8, 4, (16, 4, 16), profile_len, 7)
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        model(**x)
    return fc.get_total_flops() / 8.0


def write_bundle(ds: Dataset, model: Student, config: dict, out: str, *, model_id: str, version: str, metrics: dict, provenance: dict,
                 teacher: dict | None, description: str) -> dict:
    """Exports, checks parity, and writes the bundle folder atomically (temp + rename)."""
    tmp = f"{out}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    vocab = config["vocab"]
    plen = len(ds.manifest["profile_fields"])
    onnx_export(model, os.path.join(tmp, "model.onnx"), random_batch(vocab, 2, 2, (3, 2, 3), plen, 1))
    par = parity(model, os.path.join(tmp, "model.onnx"), vocab, plen)
    worst = max(p["max_abs_diff"] for p in par)
    if worst > PARITY_TOLERANCE:
        raise SystemExit(f"ONNX parity check failed: max abs diff {worst:.2e} > {PARITY_TOLERANCE}")
    files = {"model.onnx": None}
    for name, file in ds.manifest["vocabularies"].items():
        shutil.copyfile(os.path.join(ds.root, file), os.path.join(tmp, file))
        files[file] = None
    files = {f: sha256(os.path.join(tmp, f)) for f in sorted(files)}
    manifest = {
        "format_version": 1,
        "model": {"id": model_id, "version": version, "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
                  "kind": "student", "description": description},
        "medications": ds.manifest["medications"],
        "input": {
            "tensors": [{"name": n, "dtype": "int64", "shape": ["batch", "visits", "codes"]} for n in INPUTS[:3]]
            + [{"name": "profile", "dtype": "int64", "shape": ["batch", "fields"]}],
            "vocabularies": ds.manifest["vocabularies"],
            "limits": ds.manifest["options"]["limits"],
            "medication_atc_level": ds.manifest["medication_atc_level"],
            "profile_fields": ds.manifest["profile_fields"],
        },
        "output": {"name": "logits", "kind": "logits", "hidden": "hidden"},
        "threshold": config["threshold"],
        **({"thresholds": config["thresholds"]} if config.get("thresholds") else {}),
        "metrics": metrics,
        "provenance": {**provenance, "onnx_parity": par, "student": config},
        "teacher": teacher,
        "flops_per_visit": flops_per_visit(model, vocab, plen),
        "files": files,
    }
    write_json(os.path.join(tmp, "manifest.json"), manifest)
    old = f"{out}.old-{os.getpid()}"
    if os.path.exists(out):
        os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
    return manifest


def dataset_digest(ds: Dataset) -> str:
    return hashlib.sha256(open(os.path.join(ds.root, "dataset.json"), "rb").read()).hexdigest()


__all__ = ["write_bundle", "parity", "onnx_export", "collate"]
