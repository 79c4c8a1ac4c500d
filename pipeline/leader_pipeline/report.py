"""Markdown tables from the protocol's `cv.json` files (`python -m leader_pipeline report`):
what `scripts/ablations.sh` writes between the markers of pipeline/README.md and the
README's model section, so every table there is regenerated from committed code."""

from __future__ import annotations

NAMES = {
    "repeat_previous": "repeat the previous visit",
    "most_frequent": "most frequent medications",
    "teacher": "teacher (fine-tuned, per fold)",
}


def _ms(v, digits: int = 3) -> str:
    if v is None:
        return "—"
    if isinstance(v, dict):
        return f"{v['mean']:.{digits}f} ± {v['sd']:.{digits}f}"
    return f"{v:.{digits}f}"


def _ci(b: dict) -> str:
    lo, hi = b["ci95"]
    return f"{b['mean']:+.3f} [{lo:+.3f}, {hi:+.3f}]"


def _name(m: str, report: dict) -> str:
    if m in NAMES:
        return NAMES[m]
    desc = report["protocol"]["variants"].get(m, "")
    return f"{m}: {desc}" if desc else m


def _ordered(report: dict, present) -> list[str]:
    """The run's model order (teacher, variants, baselines), restricted to those present."""
    return [m for m in report.get("order", sorted(present)) if m in present]


def protocol_line(report: dict) -> str:
    p = report["protocol"]
    dev, fz = p["development"], p["frozen_test"]
    teacher = {"finetune": "a LoRA-fine-tuned teacher per fold", "frozen": "the pre-trained teacher's features (not fine-tuned)",
               "none": "no teacher"}[p["teacher"]]
    ddi = p.get("ddi_adjacency")
    ddi_s = f"DDI rate against `{ddi['source']}` ({ddi['label_pairs']} label pairs)" if ddi else "no DDI adjacency in the dataset"
    return (f"Protocol: frozen test = {fz['patients']} patients / {fz['visits']} visits (seed {p['frozen_seed']}), never read by the "
            f"cross-validation; {p['folds']}-fold nested CV on the other {dev['patients']} patients / {dev['visits']} visits, "
            f"seeds {', '.join(map(str, p['seeds']))} (each seed: its own fold partition and model seeds); distillation from {teacher}; "
            f"candidate α {', '.join(f'{a:g}' for a in p['alphas'])}; {ddi_s}.")


def cv_table(report: dict) -> str:
    cv = report["cv"]
    s = cv["seed_summary"]
    rows = ["| model | PRAUC | Jaccard | F1 | #drugs | DDI rate | first visit PRAUC | with history PRAUC |",
            "|---|---|---|---|---|---|---|---|"]
    for m in _ordered(report, s):
        o = s[m]["overall"]
        rows.append(f"| {_name(m, report)} | {_ms(o['prauc'])} | {_ms(o['jaccard'])} | {_ms(o['f1'])} | {_ms(o['avg_drugs'], 1)} | "
                    f"{_ms(o['ddi_rate'])} | {_ms(s[m]['first_visit']['prauc'])} | {_ms(s[m]['with_history']['prauc'])} |")
    return "\n".join(rows)


def paired_table(part: dict, report: dict, per_fold: bool) -> str:
    head = "| model − repeat previous | PRAUC: mean [95% CI] | Jaccard: mean [95% CI] |"
    sep = "|---|---|---|"
    if per_fold:
        head += " folds better (PRAUC / Jaccard) | per-fold PRAUC difference: min / median / max |"
        sep += "---|---|"
    rows = [head, sep]
    for m in _ordered(report, part["paired"]):
        d = part["paired"][m]
        line = f"| {_name(m, report)} | {_ci(d['prauc']['bootstrap'])} | {_ci(d['jaccard']['bootstrap'])} |"
        if per_fold:
            pf = sorted(d["prauc"]["per_fold"])
            line += (f" {d['prauc']['folds_better']}/{d['prauc']['folds']} / {d['jaccard']['folds_better']}/{d['jaccard']['folds']} | "
                     f"{pf[0]:+.3f} / {pf[len(pf) // 2]:+.3f} / {pf[-1]:+.3f} |")
        rows.append(line)
    return "\n".join(rows)


def frozen_table(report: dict) -> str:
    f = report["frozen_test"]
    s = f["seed_summary"]
    rows = ["| model | PRAUC | Jaccard | F1 | #drugs | DDI rate |", "|---|---|---|---|---|---|"]
    for m in _ordered(report, s):
        o = s[m]["overall"]
        rows.append(f"| {_name(m, report)} | {_ms(o['prauc'])} | {_ms(o['jaccard'])} | {_ms(o['f1'])} | {_ms(o['avg_drugs'], 1)} | "
                    f"{_ms(o['ddi_rate'])} |")
    return "\n".join(rows)


def calibration_table(report: dict) -> str:
    rows = ["| model | ECE before | ECE after temperature scaling |", "|---|---|---|"]
    for m in _ordered(report, report["cv"]["calibration"]):
        c = report["cv"]["calibration"][m]
        rows.append(f"| {_name(m, report)} | {_ms(c['ece_before'], 4)} | {_ms(c['ece_after'], 4)} |")
    return "\n".join(rows)


def choices_line(report: dict) -> str:
    name = next((m for m in _ordered(report, report["protocol"]["variants"])), None)
    picked = [c[name]["alpha"] for c in report["cv"]["choices"] if name in c and c[name]["alpha"] is not None]
    if not picked:
        return ""
    counts = {a: picked.count(a) for a in sorted(set(picked))}
    return f"α chosen per fold ({name}): " + ", ".join(f"{a:g} in {n} of {len(picked)} folds" for a, n in counts.items()) + "."


def render(reports: list[dict], shipped: str | None = None) -> str:
    out = [shipped] if shipped else []
    for r in reports:
        out.append(protocol_line(r))
        out.append("")
        out.append("Seed-averaged cross-validation (pooled test folds; mean ± sd over seeds):")
        out.append("")
        out.append(cv_table(r))
        out.append("")
        out.append("Paired with repeat-previous (CV; per-visit differences averaged over seeds, patient-level bootstrap):")
        out.append("")
        out.append(paired_table(r["cv"], r, per_fold=True))
        line = choices_line(r)
        if line:
            out.extend(["", line])
        if r["cv"].get("calibration"):
            out.extend(["", calibration_table(r)])
        if "frozen_test" in r:
            out.extend(["", "Frozen test (the first model trained on the whole development set once per seed; mean ± sd over seeds):", "",
                        frozen_table(r), "", "Paired with repeat-previous on the frozen test (patient-level bootstrap):", "",
                        paired_table(r["frozen_test"], r, per_fold=False)])
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def write_between(path: str, section: str, text: str) -> None:
    """Replaces what lies between `<!-- tables:SECTION begin -->` and `<!-- tables:SECTION end -->`
    in `path` (both markers must be there, once)."""
    begin, end = f"<!-- tables:{section} begin -->", f"<!-- tables:{section} end -->"
    with open(path) as f:
        doc = f.read()
    if doc.count(begin) != 1 or doc.count(end) != 1 or doc.index(begin) > doc.index(end):
        raise SystemExit(f"{path}: expected the markers {begin} and {end} once each, in that order")
    head, rest = doc.split(begin)
    _, tail = rest.split(end)
    with open(path, "w") as f:
        f.write(f"{head}{begin}\n{text}{end}{tail}")


def shipped_table(evaluation: dict, ds=None) -> str:
    """The shipped weights on their own held-out visits (`leader --json evaluate --baselines`).
    With the dataset exported from the same store, the baselines are recomputed in Python on
    the same split and must equal Rust's to 1e-9 (DDI rate included): the end-to-end parity
    of metrics, baselines and adjacency."""
    r = evaluation["report"]
    rows = [f"Shipped weights (`{r['model']}`) on their own held-out visits: split `{evaluation['split']}` of seed "
            f"{evaluation['seed']}, {evaluation['samples']} visits (`leader evaluate --baselines`):", "",
            "| model | PRAUC | Jaccard | F1 | #drugs | DDI rate |", "|---|---|---|---|---|---|"]
    entries = [("shipped student", r["overall"])] + [(NAMES.get(b["name"], b["name"]), b["overall"]) for b in r["baselines"]]
    for name, o in entries:
        rows.append(f"| {name} | {o['prauc']:.4f} | {o['jaccard']:.4f} | {o['f1']:.4f} | {o['avg_drugs']:.1f} | {o['ddi_rate']:.4f} |")
    if ds is not None:
        from . import baselines, metrics

        split = evaluation["split"]
        train, test = ds.indices("train"), ds.indices(split)
        if len(test) != evaluation["samples"] or ds.manifest["options"]["seed"] != evaluation["seed"]:
            raise SystemExit("the dataset's split is not the evaluation's (export it from the same store with the model's seed)")
        for b in r["baselines"]:
            p, sets = getattr(baselines, b["name"])(ds, train, test)
            mine = metrics.score(p, ds.labels(test), pairs=ds.interactions(), pred_sets=sets)
            for k in ("prauc", "jaccard", "f1", "avg_drugs", "ddi_rate"):
                if abs(mine[k] - b["overall"][k]) > 1e-9:
                    raise SystemExit(f"baseline {b['name']}: Python {k} {mine[k]} differs from Rust's {b['overall'][k]}")
        rows += ["", "The baselines recomputed in Python on the same visits equal Rust's to 1e-9 (PRAUC, Jaccard, F1, "
                 "#drugs, DDI rate)."]
    return "\n".join(rows) + "\n"
