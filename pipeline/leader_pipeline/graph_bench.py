"""What a student's structure costs at serving time: the exported ONNX graphs of recipe 1
(no transition matrix), recipe 2 (with it) and recipe 2 as a seed ensemble of k members in
one graph, timed side by side with ONNX Runtime's CPU provider on a dataset's real encoded
visits. Latency does not depend on the weights' values, so the students are freshly
initialised (the ensemble's members with different seeds): nothing is trained or read but
the inputs."""

from __future__ import annotations

import os
import time

import numpy as np
import torch

from . import student
from .common import seed_everything, write_json
from .data import Dataset, collate
from .export import onnx_export
from .student import INPUTS, Student


class Ensemble(torch.nn.Module):
    """k students in one graph: the logit of their mean probability (what the product reads
    as one student's logits), and the first member's hidden state."""

    def __init__(self, members: list[Student]):
        super().__init__()
        self.members = torch.nn.ModuleList(members)

    def forward(self, diagnoses, procedures, medications, profile):
        outs = [m(diagnoses, procedures, medications, profile) for m in self.members]
        p = torch.stack([torch.sigmoid(o[0]) for o in outs]).mean(0).clamp(1e-7, 1 - 1e-7)
        return torch.log(p) - torch.log1p(-p), outs[0][1]


def _student(ds: Dataset, seed: int, transition: bool) -> Student:
    seed_everything(seed)
    vocab = {k: ds.vocab_size(k) for k in INPUTS}
    return Student(vocab, ds.n_meds, max_visits=ds.manifest["options"]["limits"]["max_visits"],
                   med_labels=student.med_to_label(ds), transition=transition).eval()


def graphs(ds: Dataset, members: int) -> dict[str, torch.nn.Module]:
    return {
        "recipe 1 (no transition matrix)": _student(ds, 1, False),
        "recipe 2 (transition matrix)": _student(ds, 1, True),
        f"recipe 2, {members} seeds in one graph": Ensemble([_student(ds, 1 + 1000 * m, True) for m in range(members)]),
    }


def _session(path: str, threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def run(ds: Dataset, out: str, *, members: int = 2, rounds: int = 5, batch: int = 64, threads: int = 2) -> dict:
    """Exports each graph, checks it against torch, then times them interleaved: per round,
    every visit alone (1 thread) through each graph in turn, then batches of `batch` visits
    (`threads` threads). Batch 1: p50/p99 over all rounds' calls; batched: the median round's
    visits per second."""
    os.makedirs(out, exist_ok=True)
    idx = list(range(len(ds.samples)))
    singles = [{k: v.numpy() for k, v in collate([ds.samples[i]]).items()} for i in idx]
    batches = [{k: v.numpy() for k, v in collate([ds.samples[i] for i in b]).items()} for b in student.batches(idx, batch, None)]
    example, check = collate([ds.samples[i] for i in idx[:8]]), collate([ds.samples[i] for i in idx[:32]])
    sessions, report = {}, {}
    for n, (name, model) in enumerate(graphs(ds, members).items()):
        path = os.path.join(out, f"graph{n}.onnx")
        onnx_export(model, path, example)
        one, many = _session(path, 1), _session(path, threads)
        with torch.no_grad():
            want = model(**check)[0].numpy()
        got = one.run(["logits"], {k: v.numpy() for k, v in check.items()})[0]
        report[name] = {"onnx_bytes": os.path.getsize(path), "parity_max_abs_diff": float(np.abs(got - want).max()),
                        "batch1_s": [], "batched_visits_per_s": []}
        sessions[name] = (one, many)
    for one, many in sessions.values():  # warm-up: first runs allocate and plan
        for x in singles[:50]:
            one.run(["logits"], x)
        for x in batches:
            many.run(["logits"], x)
    for _ in range(rounds):
        for name, (one, many) in sessions.items():
            for x in singles:
                t = time.perf_counter()
                one.run(["logits"], x)
                report[name]["batch1_s"].append(time.perf_counter() - t)
            t = time.perf_counter()
            for x in batches:
                many.run(["logits"], x)
            report[name]["batched_visits_per_s"].append(len(idx) / (time.perf_counter() - t))
    base = next(iter(report))
    for name, r in report.items():
        s = np.array(r.pop("batch1_s"))
        r["batch1_p50_us"], r["batch1_p99_us"] = float(np.percentile(s, 50) * 1e6), float(np.percentile(s, 99) * 1e6)
        r["batched_visits_per_s"] = float(np.median(r["batched_visits_per_s"]))
    for r in report.values():
        r["batch1_p50_ratio"] = r["batch1_p50_us"] / report[base]["batch1_p50_us"]
        r["throughput_ratio"] = r["batched_visits_per_s"] / report[base]["batched_visits_per_s"]
    result = {"visits": len(idx), "rounds": rounds, "batch": batch, "threads": threads, "graphs": report}
    write_json(os.path.join(out, "graph_bench.json"), result)
    return result


def table(result: dict) -> str:
    rows = [f"ONNX Runtime CPU, {result['visits']} visits × {result['rounds']} rounds, interleaved; batch 1 on 1 thread, "
            f"batches of {result['batch']} on {result['threads']} threads.", "",
            "| graph | batch 1 p50 / p99 | vs recipe 1 | visits/s batched | vs recipe 1 | ONNX size |",
            "|---|---|---|---|---|---|"]
    for name, r in result["graphs"].items():
        rows.append(f"| {name} | {r['batch1_p50_us']:.0f} µs / {r['batch1_p99_us']:.0f} µs | {r['batch1_p50_ratio']:.2f}× | "
                    f"{r['batched_visits_per_s']:,.0f} | {r['throughput_ratio']:.2f}× | {r['onnx_bytes'] / 1e6:.2f} MB |")
    return "\n".join(rows)
