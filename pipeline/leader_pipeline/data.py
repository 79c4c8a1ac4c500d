"""Reading the dataset folder written by `leader export-dataset`."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

import numpy as np
import torch

FORMAT = 1


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class Dataset:
    root: str
    manifest: dict
    samples: list[dict]

    @property
    def n_meds(self) -> int:
        return len(self.manifest["medications"])

    def vocab_size(self, name: str) -> int:
        return int(self.manifest["vocabulary_sizes"][name])

    def labels(self, idx: list[int] | None = None) -> np.ndarray:
        rows = self.samples if idx is None else [self.samples[i] for i in idx]
        y = np.zeros((len(rows), self.n_meds), dtype=np.float32)
        for r, s in enumerate(rows):
            y[r, s["labels"]] = 1.0
        return y

    def indices(self, split: str | None = None, fold: int | None = None, exclude_folds: tuple[int, ...] = ()) -> list[int]:
        out = []
        for i, s in enumerate(self.samples):
            if split is not None and s["split"] != split:
                continue
            if fold is not None and s["fold"] != fold:
                continue
            if s.get("fold") in exclude_folds:
                continue
            out.append(i)
        return out

    def fingerprint(self) -> str:
        """Hash of the dataset manifest (itself listing every file's hash)."""
        return sha256(os.path.join(self.root, "dataset.json"))

    def content_key(self) -> str:
        """Hash of what training reads (the samples, vocabularies and labels), not of when the
        dataset was written: a re-export of the same store keeps cached teachers valid."""
        body = json.dumps({"files": self.manifest["files"], "medications": self.manifest["medications"]}, sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()

    def interactions(self) -> set[tuple[int, int]] | None:
        """The DDI-rate adjacency over the labels (`leader evaluate`'s source, `twosides`), as
        order-normalised index pairs (i < j); None for a dataset exported without it."""
        inter = self.manifest.get("interactions")
        if inter is None:
            return None
        from .metrics import normalise_pairs

        return normalise_pairs(inter["pairs"])

    def patients(self, idx: list[int]) -> list[str]:
        return [self.samples[i]["patient"] for i in idx]


def load(root: str) -> Dataset:
    with open(os.path.join(root, "dataset.json")) as f:
        manifest = json.load(f)
    if manifest.get("format_version") != FORMAT:
        raise ValueError(f"{root}: dataset format {manifest.get('format_version')} is not supported (expected {FORMAT})")
    for name, want in manifest["files"].items():
        got = sha256(os.path.join(root, name))
        if got != want:
            raise ValueError(f"{root}: {name} does not match its hash in dataset.json (re-run leader export-dataset)")
    with open(os.path.join(root, "samples.jsonl")) as f:
        samples = [json.loads(line) for line in f if line.strip()]
    if len(samples) != manifest["counts"]["samples"]:
        raise ValueError(f"{root}: {len(samples)} samples, but dataset.json counts {manifest['counts']['samples']}")
    return Dataset(root, manifest, samples)


def _pack(rows: list[list[list[int]]], visits: int) -> torch.Tensor:
    """Left-pads visits, right-pads codes, every axis at least 1 wide (as Rust's EncodedBatch)."""
    width = max([len(v) for r in rows for v in r] + [1])
    out = torch.zeros((len(rows), visits, width), dtype=torch.long)
    for b, r in enumerate(rows):
        off = visits - len(r)
        for j, v in enumerate(r):
            if v:
                out[b, off + j, : len(v)] = torch.tensor(v, dtype=torch.long)
    return out


def collate(samples: list[dict]) -> dict[str, torch.Tensor]:
    visits = max(len(s["diagnoses"]) for s in samples)
    prof_w = max(len(s["profile"]) for s in samples)
    profile = torch.zeros((len(samples), max(prof_w, 1)), dtype=torch.long)
    for b, s in enumerate(samples):
        profile[b, : len(s["profile"])] = torch.tensor(s["profile"], dtype=torch.long)
    return {
        "diagnoses": _pack([s["diagnoses"] for s in samples], visits),
        "procedures": _pack([s["procedures"] for s in samples], visits),
        "medications": _pack([s["medications"] for s in samples], visits),
        "profile": profile,
    }
