"""Exporting the fine-tuned teacher (LoRA merged) to ONNX with its tokenizer.json, so the
app can run it next to the student ("teacher mode"), on prompts rendered by the same Rust
code that wrote the training prompts."""

from __future__ import annotations

import datetime
import json
import os
import shutil

import numpy as np
import torch

from .common import write_json
from .data import Dataset, sha256
from .teacher import Teacher, tokenizer_for

PARITY_TOLERANCE = 1e-4
# Must equal leader_infer::teacher::REFERENCE_SENTENCES (Rust): the app checks at load that it
# tokenizes them to the same ids.
REFERENCE_SENTENCES = [
    "The patient has 2 hospital visits.\nVisit 1: diagnoses: Essential hypertension. Procedures: none. Medications: Beta blocking agents.",
    "Current visit 2: diagnoses: Atrial fibrillation; Osteoarthritis of knee. Procedures: none.\nWhich medications should be prescribed in the current visit?",
]


class _Wrapped(torch.nn.Module):
    def __init__(self, t: Teacher):
        super().__init__()
        self.backbone = t.backbone.merge_and_unload()
        self.head = t.head
        self.t = t

    def forward(self, input_ids, attention_mask):
        h = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        pooled = self.t.pool(h, attention_mask)
        return self.head(pooled), pooled


def load_teacher(ds: Dataset, teacher_dir: str) -> tuple[Teacher, dict]:
    from peft import PeftModel

    with open(os.path.join(teacher_dir, "teacher.json")) as f:
        info = json.load(f)
    t = Teacher(info["model_dir"], ds.n_meds, info["pooling"], info["lora_r"], info["lora_alpha"])
    base = t.backbone.get_base_model()
    t.backbone = PeftModel.from_pretrained(base, os.path.join(teacher_dir, "adapter"))
    t.head.load_state_dict(torch.load(os.path.join(teacher_dir, "head.pt"), weights_only=True))
    t.eval()
    return t, info


def export_teacher(ds: Dataset, teacher_dir: str, out: str, *, model_id: str, version: str) -> dict:
    t, info = load_teacher(ds, teacher_dir)
    tok = tokenizer_for(info["model_dir"])
    wrapped = _Wrapped(t).eval()
    tmp = f"{out}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    example = tok(["The patient has 1 hospital visit."] * 2, return_tensors="pt", padding=True)
    b, s = torch.export.Dim("batch", min=1), torch.export.Dim("sequence", min=2, max=int(info["max_len"]))
    torch.onnx.export(wrapped, (example["input_ids"], example["attention_mask"]), os.path.join(tmp, "model.onnx"),
                      input_names=["input_ids", "attention_mask"], output_names=["logits", "hidden"],
                      dynamic_shapes={"input_ids": {0: b, 1: s}, "attention_mask": {0: b, 1: s}}, dynamo=True, external_data=False)
    import onnxruntime as ort

    sess = ort.InferenceSession(os.path.join(tmp, "model.onnx"), providers=["CPUExecutionProvider"])
    parity = []
    prompts = [ds.samples[i]["prompt"] for i in range(min(len(ds.samples), 5))]
    for n in (1, 3, 5):
        enc = tok(prompts[:n], return_tensors="pt", padding=True, truncation=True, max_length=int(info["max_len"]))
        with torch.no_grad():
            want = wrapped(enc["input_ids"], enc["attention_mask"])[0].numpy()
        got = sess.run(["logits"], {"input_ids": enc["input_ids"].numpy(), "attention_mask": enc["attention_mask"].numpy()})[0]
        parity.append({"batch": n, "sequence": int(enc["input_ids"].shape[1]), "max_abs_diff": float(np.abs(got - want).max())})
    worst = max(p["max_abs_diff"] for p in parity)
    if worst > PARITY_TOLERANCE:
        raise SystemExit(f"teacher ONNX parity failed: {worst:.2e} > {PARITY_TOLERANCE}")
    tok.backend_tokenizer.save(os.path.join(tmp, "tokenizer.json"))
    files = {f: sha256(os.path.join(tmp, f)) for f in ("model.onnx", "tokenizer.json")}
    manifest = {
        "format_version": 1,
        "model": {"id": model_id, "version": version, "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
                  "kind": "teacher", "description": f"LEADER teacher: {info['model_name']} + LoRA + medication head"},
        "medications": ds.manifest["medications"],
        "prompt": {"tokenizer": "tokenizer.json", "max_len": int(info["max_len"]), "truncation": "left", "pooling": info["pooling"],
                   "options": ds.manifest["options"]["prompt"], "medication_atc_level": ds.manifest["medication_atc_level"],
                   "limits": ds.manifest["options"]["limits"],
                   "reference_ids": [tok(s, truncation=True, max_length=int(info["max_len"]))["input_ids"] for s in REFERENCE_SENTENCES]},
        "output": {"name": "logits", "kind": "logits", "hidden": "hidden"},
        "threshold": 0.5,
        "metrics": {"validation_prauc": info.get("best_val_prauc"), "test": info.get("test")},
        "provenance": {"teacher": {k: v for k, v in info.items() if k not in ("history", "model_dir")}, "onnx_parity": parity,
                       "split_seed": ds.manifest["options"]["seed"]},
        "files": files,
    }
    write_json(os.path.join(tmp, "manifest.json"), manifest)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.replace(tmp, out)
    return manifest
