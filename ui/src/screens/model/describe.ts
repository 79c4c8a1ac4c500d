// Pure helpers of the Model screen: a manifest's `provenance` and `metrics` (untyped JSON
// written by the pipeline, see pipeline/leader_pipeline/__main__.py `export` and
// teacher_export.py) turned into labelled rows, the registry read for "is there anything to
// roll back to", and operation errors worded for a person. Every key may be missing.

import type { IpcError } from "../../bindings/IpcError";
import type { ModelEntry } from "../../bindings/ModelEntry";
import { isRecord, num, pick } from "../../format";

export interface InfoRow {
  /** Stable key (the manifest key, or a derived one) for tests and React keys. */
  key: string;
  label: string;
  value: string;
  /** Digests and identifiers: monospace, may break anywhere. */
  mono?: boolean;
}

const SOURCE_LABEL: Record<string, string> = {
  "mimic-iv": "MIMIC-IV",
  "mimic-iii": "MIMIC-III",
  fhir: "FHIR import",
  demo: "synthetic demo patients",
};

const isNum = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);

/** `split_seed` → "Split seed". */
export function humanise(key: string): string {
  const s = key.replace(/[_-]+/g, " ").trim();
  return s ? s[0].toUpperCase() + s.slice(1) : key;
}

/** A JSON value as one short line (never raw JSON for a flat object). */
export function plain(v: unknown): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : num(v, 4);
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "string") return v || "–";
  if (Array.isArray(v)) return v.length ? v.map(plain).join(", ") : "–";
  if (isRecord(v)) {
    const parts = Object.entries(v).map(([k, x]) => `${humanise(k).toLowerCase()}: ${isRecord(x) || Array.isArray(x) ? JSON.stringify(x) : plain(x)}`);
    return parts.length ? parts.join(" · ") : "–";
  }
  return String(v);
}

function sources(v: unknown): string {
  const label = (k: string) => SOURCE_LABEL[k] ?? k;
  if (typeof v === "string") return label(v);
  if (Array.isArray(v)) return v.map((x) => label(String(x))).join(", ") || "–";
  if (isRecord(v))
    return (
      Object.entries(v)
        .map(([k, n]) => (isNum(n) ? `${label(k)} (${n} ${n === 1 ? "patient" : "patients"})` : label(k)))
        .join(", ") || "–"
    );
  return plain(v);
}

const joinParts = (parts: (string | null)[]) => parts.filter((p): p is string => !!p).join(" · ");
const part = (n: unknown, what: string) => (isNum(n) ? `${what} ${n}` : null);
const count = (n: unknown, what: string) => (isNum(n) ? `${n} ${what}` : null);

/** The student's training configuration (`provenance.student`), the parts a reader can weigh. */
function studentRows(s: unknown): InfoRow[] {
  if (!isRecord(s)) return [];
  const out: InfoRow[] = [];
  const arch = joinParts([
    typeof s.encoder === "string" ? `${s.encoder} encoder` : null,
    count(s.layers, s.layers === 1 ? "layer" : "layers"),
    part(s.hidden, "hidden size"),
    part(s.embed, "embedding"),
    s.wide === true ? "with a wide (linear) part" : null,
  ]);
  if (arch) out.push({ key: "student.architecture", label: "Student network", value: arch });
  const training = joinParts([
    isNum(s.epochs_run) ? `${s.epochs_run} epochs` : null,
    isNum(s.best_val_prauc) ? `best validation PRAUC ${num(s.best_val_prauc, 3)}` : null,
    part(s.seed, "seed"),
  ]);
  if (training) out.push({ key: "student.training", label: "Student training", value: training });
  if (isNum(s.alpha))
    out.push({
      key: "student.alpha",
      label: "Distillation weight (alpha)",
      value: `${s.alpha}${s.alpha === 0 ? " (no distillation: trained on the orders only)" : " (0 = orders only; higher = follows the teacher more)"}`,
    });
  const thresholds = s.thresholds;
  if (isRecord(thresholds) && isNum(thresholds.first_visit) && isNum(thresholds.with_history))
    out.push({
      key: "student.thresholds",
      label: "Decision thresholds",
      value: `first visit ${num(thresholds.first_visit, 2)} · with history ${num(thresholds.with_history, 2)}`,
    });
  else if (isNum(s.threshold)) out.push({ key: "student.threshold", label: "Decision threshold", value: num(s.threshold, 2) });
  const vocab = s.vocab;
  if (isRecord(vocab))
    out.push({
      key: "student.vocab",
      label: "Vocabulary sizes",
      value:
        joinParts([count(vocab.diagnoses, "diagnoses"), count(vocab.procedures, "procedures"), count(vocab.medications, "medications")]) ||
        plain(vocab),
    });
  return out;
}

/** The teacher (language model) a student was distilled from, or a teacher bundle's own record. */
function teacherRows(t: unknown): InfoRow[] {
  if (typeof t === "string" && t) return [{ key: "teacher", label: "Teacher", value: t }];
  if (!isRecord(t)) return [];
  const out: InfoRow[] = [];
  const base = typeof t.model_name === "string" ? t.model_name : typeof t.id === "string" ? t.id : null;
  const lora = isNum(t.lora_r) ? `LoRA rank ${t.lora_r}${isNum(t.lora_alpha) ? `, alpha ${t.lora_alpha}` : ""}` : null;
  const model = joinParts([
    base,
    typeof t.version === "string" ? `version ${t.version}` : null,
    lora,
    part(t.hidden_size, "hidden size"),
    typeof t.pooling === "string" ? `${t.pooling} pooling` : null,
    part(t.max_len, "max tokens"),
  ]);
  if (model) out.push({ key: "teacher.model", label: "Teacher model", value: model });
  const training = joinParts([
    isNum(t.epochs_run) ? `${t.epochs_run} epochs` : null,
    typeof t.device === "string" ? `on ${t.device.toUpperCase()}` : null,
    isNum(t.best_val_prauc) ? `best validation PRAUC ${num(t.best_val_prauc, 3)}` : null,
  ]);
  if (training) out.push({ key: "teacher.training", label: "Teacher training", value: training });
  const test = t.test;
  if (isRecord(test) && isNum(test.prauc))
    out.push({
      key: "teacher.test",
      label: "Teacher on its test split",
      value: joinParts([`PRAUC ${num(test.prauc, 3)}`, isNum(test.visits) ? `${test.visits} visits` : null]),
    });
  if (typeof t.dataset === "string") out.push({ key: "teacher.dataset", label: "Teacher's dataset digest (SHA-256)", value: t.dataset, mono: true });
  return out;
}

function countsRows(c: unknown): InfoRow[] {
  if (!isRecord(c)) return [];
  const out: InfoRow[] = [];
  if (isNum(c.patients)) out.push({ key: "counts.patients", label: "Patients in the dataset", value: String(c.patients) });
  if (isNum(c.samples)) out.push({ key: "counts.samples", label: "Visits in the dataset", value: String(c.samples) });
  const split = joinParts([count(c.train, "training"), count(c.val, "validation"), count(c.test, "test")]);
  if (split) out.push({ key: "counts.split", label: "Split (visits)", value: split });
  const groups = joinParts([
    count(c.first_visit, "first visits"),
    count(c.with_history, "with history"),
  ]);
  if (groups) out.push({ key: "counts.groups", label: "Visits by history", value: groups });
  if (isNum(c.unknown_input_codes))
    out.push({ key: "counts.unknown_input_codes", label: "Input codes outside the vocabulary", value: String(c.unknown_input_codes) });
  const known = new Set(["patients", "samples", "train", "val", "test", "first_visit", "with_history", "unknown_input_codes"]);
  for (const [k, v] of Object.entries(c)) if (!known.has(k)) out.push({ key: `counts.${k}`, label: humanise(k), value: plain(v) });
  return out;
}

function parityRow(p: unknown): InfoRow[] {
  if (!Array.isArray(p) || !p.length) return [];
  const diffs = p.map((x) => pick(x, "max_abs_diff")).filter(isNum);
  if (!diffs.length) return [];
  return [
    {
      key: "onnx_parity",
      label: "Export check (ONNX vs training code)",
      value: `largest difference ${Math.max(...diffs).toExponential(1)} over ${p.length} test ${p.length === 1 ? "batch" : "batches"}`,
    },
  ];
}

/**
 * A manifest's `provenance` as labelled rows, in a reading order: where the data came from,
 * how it was split, what was trained, then anything else it records. Empty for a missing or
 * empty provenance.
 */
export function provenanceRows(p: unknown): InfoRow[] {
  if (!isRecord(p)) return [];
  const out: InfoRow[] = [];
  const used = new Set<string>();
  const take = (k: string) => {
    used.add(k);
    return p[k];
  };
  for (const k of ["created", "created_at"]) if (k in p) out.push({ key: k, label: "Created", value: plain(take(k)) });
  if ("sources" in p) out.push({ key: "sources", label: "Data source", value: sources(take("sources")) });
  if ("data_source" in p) out.push({ key: "data_source", label: "Data source", value: sources(take("data_source")) });
  if ("licence" in p) out.push({ key: "licence", label: "Data licence", value: plain(take("licence")) });
  if ("license" in p) out.push({ key: "license", label: "Data licence", value: plain(take("license")) });
  if ("counts" in p) out.push(...countsRows(take("counts")));
  if ("split_seed" in p)
    out.push({ key: "split_seed", label: "Split seed (patient-level split)", value: plain(take("split_seed")) });
  if ("dataset_sha256" in p) out.push({ key: "dataset_sha256", label: "Dataset digest (SHA-256)", value: plain(take("dataset_sha256")), mono: true });
  for (const k of ["bundle_digest", "digest", "bundle_sha256"])
    if (k in p) out.push({ key: k, label: "Bundle digest", value: plain(take(k)), mono: true });
  if ("teacher" in p) out.push(...teacherRows(take("teacher")));
  if ("student" in p) out.push(...studentRows(take("student")));
  if ("onnx_parity" in p) out.push(...parityRow(take("onnx_parity")));
  for (const [k, v] of Object.entries(p)) if (!used.has(k)) out.push({ key: k, label: humanise(k), value: plain(v) });
  return out;
}

/** `<id>@<version>-<digest8>`: the registry's folder name carries the bundle digest's start. */
export function digestOf(entry: ModelEntry | undefined): string | null {
  if (!entry || entry.bundled) return null;
  const m = /@.*-([0-9a-f]{8,})$/.exec(entry.name);
  return m ? m[1] : null;
}

// ---------------------------------------------------------------- metrics

export interface MetricDef {
  key: string;
  label: string;
  meaning: string;
  digits: number;
}

/** What each score means, in the words a prescriber can use. */
export const METRIC_DEFS: MetricDef[] = [
  {
    key: "prauc",
    label: "PRAUC",
    meaning:
      "Area under the precision–recall curve over all drugs: how well the probabilities rank the drugs actually ordered above the others; 1 is perfect.",
    digits: 3,
  },
  {
    key: "jaccard",
    label: "Jaccard",
    meaning: "Overlap between the suggested set and the set actually ordered, |A∩B| / |A∪B|; 1 when they are the same.",
    digits: 3,
  },
  {
    key: "f1",
    label: "F1",
    meaning:
      "Harmonic mean of the precision (share of suggested drugs that were ordered) and the recall (share of ordered drugs that were suggested) of the suggested set; 1 is perfect.",
    digits: 3,
  },
  {
    key: "ddi_rate",
    label: "DDI rate",
    meaning:
      "Share of the drug pairs within the suggested sets that are known to interact (drug–drug interactions); lower is safer.",
    digits: 3,
  },
  {
    key: "avg_drugs",
    label: "Average number of drugs",
    meaning: "How many drugs the model suggests per visit, on average.",
    digits: 1,
  },
  {
    key: "validation_prauc",
    label: "Validation PRAUC",
    meaning: "PRAUC on the validation visits used to choose the training epoch (so slightly optimistic).",
    digits: 3,
  },
];

const DEF = new Map(METRIC_DEFS.map((d) => [d.key, d]));

export interface MetricRow {
  key: string;
  label: string;
  value: string;
  meaning: string;
  measuredOn: string;
}

/** Not scores: the count of visits, and per-fold lists (shown in the chart's source JSON). */
const NOT_A_METRIC = new Set(["visits", "prauc_per_fold"]);

/** One row per numeric score of a block of scores (`Scores` or anything shaped like it). */
export function scoreRows(block: unknown, measuredOn: string, prefix: string): MetricRow[] {
  if (!isRecord(block)) return [];
  const visits = isNum(block.visits) ? `, ${block.visits} ${block.visits === 1 ? "visit" : "visits"}` : "";
  // A defined score recorded as null is unknown (the pipeline's DDI rate without an
  // interaction table); other non-numbers are not scores.
  const keys = Object.keys(block).filter(
    (k) => !NOT_A_METRIC.has(k) && (isNum(block[k]) || (block[k] === null && DEF.has(k))),
  );
  // The defined metrics first, in their order; then any other score, by name.
  const order = (k: string) => {
    const i = METRIC_DEFS.findIndex((d) => d.key === k);
    return i < 0 ? METRIC_DEFS.length : i;
  };
  keys.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  return keys.map((k) => {
    const d = DEF.get(k);
    const v = block[k];
    return {
      key: `${prefix}.${k}`,
      label: d?.label ?? humanise(k),
      value: isNum(v) ? num(v, d?.digits ?? 3) : "unknown",
      meaning: d?.meaning ?? "Recorded in the manifest; no description is known for this score.",
      measuredOn: `${measuredOn}${visits}`,
    };
  });
}

export interface MetricSection {
  key: string;
  title: string;
  rows: MetricRow[];
}

const GROUP_LABEL: [string, string][] = [
  ["overall", "all visits"],
  ["first_visit", "first visits only"],
  ["with_history", "visits with history"],
];

/**
 * A manifest's `metrics` as sections of rows: the held-out test split (overall and by
 * group when recorded), the shown cross-validated model, and a teacher's own scores.
 */
export function metricSections(metrics: unknown, cvModel: string | null, testVisits?: number): MetricSection[] {
  const out: MetricSection[] = [];
  const held = pick(metrics, "held_out_test_split");
  if (isRecord(held)) {
    const onTest = `held-out test split${!isNum(held.visits) && isNum(testVisits) ? `, ${testVisits} visits` : ""}`;
    const rows = scoreRows(held, onTest, "held");
    for (const [g, label] of GROUP_LABEL) rows.push(...scoreRows(held[g], `held-out test split, ${label}`, `held.${g}`));
    if (rows.length) out.push({ key: "held", title: "Held-out test split (patients never seen in training)", rows });
  }
  const test = pick(metrics, "test");
  const val = pick(metrics, "validation_prauc");
  if (isRecord(test) || isNum(val)) {
    const rows: MetricRow[] = scoreRows(test, "test split", "test");
    if (isNum(val)) rows.push(...scoreRows({ validation_prauc: val }, "validation split", "val"));
    if (rows.length) out.push({ key: "test", title: "Test and validation splits", rows });
  }
  if (cvModel) {
    const m = pick(metrics, "cross_validation", "models", cvModel);
    const folds = pick(metrics, "cross_validation", "folds");
    const how = `${isNum(folds) ? `${folds}-fold ` : ""}cross-validation (${cvModel})`;
    // All visits only: the chart above shows the groups.
    const rows = scoreRows(pick(m, "overall"), `${how}, all visits`, "cv.overall");
    if (rows.length) out.push({ key: "cv", title: `Cross-validation: ${cvModel}`, rows });
  }
  return out;
}

// ---------------------------------------------------------------- roll back

export type RollbackTarget =
  | { possible: true; target: string }
  | { possible: false; reason: string };

/**
 * What a roll back would make active, from the registry listing. The registry keeps one
 * `previous`; after the first install it is the bundled model, which the listing does not
 * flag as previous, so an installed active model can always go back to the bundled one.
 * Nothing to roll back to: the bundled model is active and nothing else was made active.
 */
export function rollbackTarget(models: ModelEntry[]): RollbackTarget {
  const prev = models.find((m) => m.previous);
  if (prev) return { possible: true, target: `${prev.id} ${prev.version}` };
  const active = models.find((m) => m.active);
  if (active && !active.bundled) {
    const bundled = models.find((m) => m.bundled);
    return { possible: true, target: bundled ? `the bundled model (${bundled.id} ${bundled.version})` : "the bundled model" };
  }
  if (active)
    return {
      possible: false,
      reason: "There is no previous model to roll back to: the bundled model is active and is the first one installed.",
    };
  return { possible: false, reason: "There is no previous model to roll back to: no model has been installed yet." };
}

const sentence = (s: string) => {
  const t = s.trim();
  if (!t) return "";
  const u = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(u) ? u : `${u}.`;
};

const BUSY = "Another model operation (an install, a roll back or a refinement) is running; try again when it has finished.";

/** True when the error says the registry has no previous model. */
export const isNothingToRollBack = (e: IpcError) => /no previous model to roll back to/i.test(e.message);

/** A failed roll back, in a sentence for a person (the backend's code and words mapped). */
export function rollbackErrorText(e: IpcError): string {
  if (isNothingToRollBack(e))
    return "There is no previous model to roll back to. The active model is the first one installed, so nothing was changed.";
  if (e.code === "busy") return BUSY;
  if (e.code === "model_unavailable")
    return `The previous model could not be loaded, so the active model was kept. ${sentence(e.message)}`;
  return `The roll back did not happen. ${sentence(e.message)}`;
}

/** A failed install, confirm or refinement, in a sentence for a person. */
export function operationErrorText(what: string, e: IpcError): string {
  if (e.code === "busy") return BUSY;
  return `${what} ${sentence(e.message)}`;
}
