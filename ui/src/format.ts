// Small pure helpers shared by the screens.

import type { Candidate } from "./bindings/Candidate";
import type { Code } from "./bindings/Code";
import type { EvidenceKind } from "./bindings/EvidenceKind";
import type { PatientRecord } from "./bindings/PatientRecord";
import type { ProgressEvent } from "./bindings/ProgressEvent";
import type { Role } from "./bindings/Role";
import type { Severity } from "./bindings/Severity";
import type { Status } from "./bindings/Status";

/** `SYSTEM:VALUE` code → title, as every answer carries them. */
export type Titles = PatientRecord["titles"];

export const SEVERITY_ORDER: Severity[] = ["contraindicated", "major", "moderate", "unknown"];

/** Higher is worse. */
export function severityRank(s: Severity): number {
  return 3 - SEVERITY_ORDER.indexOf(s);
}

export function worstSeverity(list: Severity[]): Severity | null {
  let worst: Severity | null = null;
  for (const s of list) if (worst === null || severityRank(s) > severityRank(worst)) worst = s;
  return worst;
}

export const SEVERITY_LABEL: Record<Severity, string> = {
  contraindicated: "Contraindicated",
  major: "Major",
  moderate: "Moderate",
  unknown: "Severity not stated",
};

export const STATUS_LABEL: Record<Status, string> = {
  suggested: "Suggested",
  below_threshold: "Below threshold",
  withheld_interaction: "Withheld by safe mode",
};

export const ROLE_LABEL: Record<Role, string> = {
  suggested: "suggested",
  current: "current",
  checked: "",
};

export function titleOf(code: Code, titles: Titles | undefined): string | null {
  return titles?.[code] ?? null;
}

/** "Warfarin" or, without a title, the code itself. */
export function nameOf(code: Code, titles: Titles | undefined): string {
  return titleOf(code, titles) ?? code;
}

export function pct(x: number, digits = 0): string {
  return `${(x * 100).toFixed(digits)}%`;
}

export function num(x: number | null | undefined, digits = 3): string {
  return typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "–";
}

/** The ATC level-3 class (`ATC:B01A`) of an ATC code at level 3 or finer; null otherwise. */
export function atcClass(code: Code): Code | null {
  const m = /^ATC:([A-Z]\d\d[A-Z])/.exec(code);
  return m ? `ATC:${m[1]}` : null;
}

/** Codes are `SYSTEM:VALUE`. */
export const CODE_RE = /^[A-Z][A-Z0-9]*:[A-Za-z0-9.]+$/;

/** Splits pasted text (commas, semicolons, whitespace) into codes and rejects. */
export function parseCodes(text: string): { codes: Code[]; invalid: string[] } {
  const codes: Code[] = [];
  const invalid: string[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    const t = raw.trim();
    if (!t) continue;
    if (CODE_RE.test(t)) {
      if (!codes.includes(t)) codes.push(t);
    } else invalid.push(t);
  }
  return { codes, invalid };
}

export function dateOnly(ts: string | null | undefined): string {
  return ts ? ts.slice(0, 10) : "–";
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Reads `obj.a.b.c` from an untyped JSON value. */
export function pick(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (typeof cur !== "object" || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * Folds a progress event into the per-stage list (one row per stage, in first-seen order).
 * An event without a total (0) keeps the total the stage announced earlier.
 */
export function mergeProgress(list: ProgressEvent[], ev: ProgressEvent): ProgressEvent[] {
  const i = list.findIndex((s) => s.stage === ev.stage);
  if (i < 0) return [...list, ev];
  const prev = list[i];
  const next = { ...ev, total: ev.total > 0 ? ev.total : prev.total, note: ev.note || prev.note };
  const copy = [...list];
  copy[i] = next;
  return copy;
}

/** `ATC:J01D` → `J01D`: a code's value, for running text. */
export function codeValue(code: Code): string {
  return code.replace(/^[A-Z][A-Z0-9]*:/, "");
}

/**
 * Why a candidate is listed, in words: "continue: Azithromycin PO — last visit", or
 * "Ceftriaxone IV — 71% of J01D orders at visits with Pneumonia in this store (n = 45)".
 * `lead` names the drug (and its route), `reason` is the rest.
 */
export function candidateText(c: Candidate, titles: Titles): { lead: string; reason: string } {
  const drug = [c.name ?? nameOf(c.drug, titles), c.route].filter(Boolean).join(" ");
  const b = c.basis;
  if (b.kind === "current")
    return { lead: `continue: ${drug}`, reason: b.last_visit ? "last visit" : "current medication" };
  const cls = codeValue(c.class);
  const where = b.diagnosis ? `visits with ${nameOf(b.diagnosis, titles)}` : "all visits";
  if (b.share !== null)
    return {
      lead: drug,
      reason: `${Math.round(b.share * 100)}% of ${cls} orders at ${where} in this store (n = ${b.of_visits})`,
    };
  const orders = b.diagnosis
    ? `visits with a ${cls} order and ${nameOf(b.diagnosis, titles)}`
    : `visits with a ${cls} order`;
  return {
    lead: drug,
    reason: `ordered at ${b.visits} of ${b.of_visits} ${orders} in this store — too few for a share`,
  };
}

export const EVIDENCE_KIND_LABEL: Record<EvidenceKind, string> = {
  history_medication: "continued from the previous visit",
  current_diagnosis: "current diagnoses",
  current_procedure: "current procedures",
  earlier_code: "earlier diagnoses and procedures",
  profile: "profile",
};

/** A probability difference in points: "+9.3 pts", "−4.0 pts". */
export function pts(delta: number): string {
  const v = (Math.abs(delta) * 100).toFixed(1);
  return `${delta < 0 ? "−" : "+"}${v} pts`;
}
