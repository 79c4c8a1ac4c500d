// The visit composer's one state and its reducer. Everything the screen shows follows from a
// `ComposerState`; every change is a `ComposerAction`. The pure checks that turn the state into
// an IPC request (`subjectOf`, `decisionOf`) live here too, so they are tested with the reducer
// (test/composer-state.test.mjs) without a browser.

import type { Action } from "../../bindings/Action";
import type { Answer } from "../../bindings/Answer";
import type { Choice } from "../../bindings/Choice";
import type { Code } from "../../bindings/Code";
import type { CodeHit } from "../../bindings/CodeHit";
import type { DecisionRequest } from "../../bindings/DecisionRequest";
import type { FhirExport } from "../../bindings/FhirExport";
import type { Finding } from "../../bindings/Finding";
import type { IpcError } from "../../bindings/IpcError";
import type { Sex } from "../../bindings/Sex";
import type { Subject } from "../../bindings/Subject";
import type { Suggestion } from "../../bindings/Suggestion";
import { plural, severityRank, type Titles } from "../../format";
import type { ComposerSeed } from "../../nav";

/**
 * A clinician's choice on one suggestion, before it is recorded ("none": undecided), and what
 * to order for it: one of its candidates or the class only (`pick`; null: the default, its first
 * candidate, else the class).
 */
export type Selection = { action: Action | "none"; replacement: Code | null; pick: Choice | null };

export const UNDECIDED: Selection = { action: "none", replacement: null, pick: null };

/** The code lists the composer edits: the ad-hoc visit's three, and a stored visit's extra current medications. */
export type CodeList = "diagnoses" | "procedures" | "current" | "extraCurrent";

export interface ComposerState {
  mode: "patient" | "ad_hoc";
  extraCurrent: Code[];
  diagnoses: Code[];
  procedures: Code[];
  current: Code[];
  /** As typed; checked when suggesting. */
  age: string;
  sex: Sex;
  /** Titles learnt from the seed and from picked codes (answers bring their own). */
  titles: Titles;
  safeMode: boolean;
  compare: boolean;
  /** Text typed into a search box but not added, by box: Suggest refuses to run past it. */
  pending: Record<string, string>;
  busy: boolean;
  error: IpcError | null;
  formMsg: string;
  status: string;
  /**
   * The answer as served, except that `recommendation.interactions` follows the picks: the
   * findings of `interactions_any_choice` among the current medications and the pick of each
   * suggestion above the threshold (`withPicks`), recomputed on each pick without another call.
   */
  answer: Answer | null;
  teacherAnswer: Answer | null;
  /** What the shown answer was computed from (`inputKey`); any change marks the answer stale. */
  answeredKey: string | null;
  choices: Record<Code, Selection>;
  note: string;
  recordMsg: string;
  recording: boolean;
  recorded: number | null;
  exporting: boolean;
  exported: FhirExport | null;
  exportError: IpcError | null;
}

/** What switching a stored visit to an ad-hoc one copies from it. */
export interface AdHocFrom {
  diagnoses: Code[];
  procedures: Code[];
  previousMeds: Code[];
  age: number | null;
  sex: Sex;
}

export type ComposerAction =
  | { type: "add"; list: CodeList; hit: CodeHit }
  | { type: "remove"; list: CodeList; code: Code }
  | { type: "learn"; hit: CodeHit }
  | { type: "age"; value: string }
  | { type: "sex"; value: Sex }
  | { type: "safe_mode"; value: boolean }
  | { type: "compare"; value: boolean }
  | { type: "pending"; box: string; text: string }
  | { type: "to_ad_hoc"; from: AdHocFrom | null }
  | { type: "form_message"; message: string }
  | { type: "suggest_started" }
  | { type: "suggest_done"; answer: Answer; teacher: Answer | null; key: string }
  | { type: "suggest_failed"; error: IpcError }
  | { type: "choose"; medication: Code; choice: Omit<Selection, "pick"> }
  | { type: "pick"; medication: Code; pick: Choice }
  | { type: "note"; text: string }
  | { type: "record_message"; message: string }
  | { type: "record_started" }
  | { type: "record_done"; id: number }
  | { type: "record_failed"; error: IpcError }
  | { type: "export_started" }
  | { type: "export_done"; exported: FhirExport }
  | { type: "export_failed"; error: IpcError }
  | { type: "dismiss_error" }
  | { type: "dismiss_export_error" };

export function initialState(seed: ComposerSeed | null, hasVisit: boolean): ComposerState {
  return {
    mode: hasVisit ? "patient" : "ad_hoc",
    extraCurrent: [],
    diagnoses: [],
    procedures: [],
    current: [],
    age: "",
    sex: "U",
    titles: seed ? { ...seed.record.titles } : {},
    safeMode: false,
    compare: false,
    pending: {},
    busy: false,
    error: null,
    formMsg: "",
    status: "",
    answer: null,
    teacherAnswer: null,
    answeredKey: null,
    choices: {},
    note: "",
    recordMsg: "",
    recording: false,
    recorded: null,
    exporting: false,
    exported: null,
    exportError: null,
  };
}

function addUnique(list: Code[], code: Code): Code[] {
  return list.includes(code) ? list : [...list, code];
}

function learn(titles: Titles, hit: CodeHit): Titles {
  return hit.title ? { ...titles, [hit.code]: hit.title } : titles;
}

/** Drug-level findings of severity major or contraindicated (class-level ones are possibilities, not counted). */
export function seriousFindings(findings: Finding[]): Finding[] {
  return findings.filter(
    (f) => f.certainty === "drug" && (f.severity === "major" || f.severity === "contraindicated"),
  );
}

/**
 * The status line after an answer or a pick: how many suggestions, how fast, how many serious
 * drug-level warnings among what is chosen (class-level ones are possibilities, not counted) and,
 * for a stored visit, among the visit's own orders and the current medications (the review), so
 * that the line never reads as reassuring when the visit's orders interact.
 */
export function answerStatus(a: Answer): string {
  const rec = a.recommendation;
  const high = seriousFindings(rec.interactions).length;
  const above = rec.suggestions.filter((s) => s.status === "suggested").length;
  const review = a.review
    ? `; review of the visit's orders: ${plural(seriousFindings(a.review.interactions).length, "major or contraindicated warning")}`
    : "";
  return (
    `${plural(rec.suggestions.length, "suggestion")} (${above} above the threshold) in ` +
    `${rec.latency_ms.toFixed(0)} ms; ${plural(high, "major or contraindicated interaction warning")}${review}.`
  );
}

export function composerReducer(s: ComposerState, a: ComposerAction): ComposerState {
  switch (a.type) {
    case "add":
      return { ...s, titles: learn(s.titles, a.hit), [a.list]: addUnique(s[a.list], a.hit.code) };
    case "remove":
      return { ...s, [a.list]: s[a.list].filter((x) => x !== a.code) };
    case "learn":
      return { ...s, titles: learn(s.titles, a.hit) };
    case "age":
      return { ...s, age: a.value };
    case "sex":
      return { ...s, sex: a.value };
    case "safe_mode":
      return { ...s, safeMode: a.value };
    case "compare":
      return { ...s, compare: a.value };
    case "pending":
      return { ...s, pending: { ...s.pending, [a.box]: a.text } };
    case "to_ad_hoc": {
      const f = a.from;
      const copied = f
        ? {
            diagnoses: [...f.diagnoses],
            procedures: [...f.procedures],
            current: [...f.previousMeds, ...s.extraCurrent.filter((c) => !f.previousMeds.includes(c))],
            age: f.age === null ? "" : String(f.age),
            sex: f.sex,
          }
        : {};
      return { ...s, ...copied, mode: "ad_hoc", answer: null, teacherAnswer: null };
    }
    case "form_message":
      return { ...s, formMsg: a.message };
    case "suggest_started":
      return { ...s, formMsg: "", busy: true, error: null, recorded: null, status: "Asking the model…" };
    case "suggest_done": {
      const answer = withPicks(a.answer, {});
      return {
        ...s,
        busy: false,
        answer,
        teacherAnswer: a.teacher,
        answeredKey: a.key,
        choices: {},
        status: answerStatus(answer),
      };
    }
    case "suggest_failed":
      return { ...s, busy: false, error: a.error, status: "" };
    case "choose": {
      const pick = s.choices[a.medication]?.pick ?? null;
      return { ...s, choices: { ...s.choices, [a.medication]: { ...a.choice, pick } }, recorded: null, recordMsg: "" };
    }
    case "pick": {
      const choices = { ...s.choices, [a.medication]: { ...(s.choices[a.medication] ?? UNDECIDED), pick: a.pick } };
      const answer = s.answer && withPicks(s.answer, choices);
      return {
        ...s,
        choices,
        answer,
        status: answer ? answerStatus(answer) : s.status,
        recorded: null,
        recordMsg: "",
      };
    }
    case "note":
      return { ...s, note: a.text, recorded: null };
    case "record_message":
      return { ...s, recordMsg: a.message };
    case "record_started":
      return { ...s, recordMsg: "", recording: true, error: null };
    case "record_done":
      return { ...s, recording: false, recorded: a.id, exported: null, exportError: null };
    case "record_failed":
      return { ...s, recording: false, error: a.error };
    case "export_started":
      return { ...s, exporting: true, exported: null, exportError: null };
    case "export_done":
      return { ...s, exporting: false, exported: a.exported };
    case "export_failed":
      return { ...s, exporting: false, exportError: a.error };
    case "dismiss_error":
      return { ...s, error: null };
    case "dismiss_export_error":
      return { ...s, exportError: null };
  }
}

// ---------------------------------------------------------------- derived

/** What an answer is computed from; the shown answer is stale when this differs from `answeredKey`. */
export function inputKey(s: ComposerState, seed: ComposerSeed | null): string {
  return JSON.stringify([
    s.mode,
    seed?.admission_id ?? null,
    s.extraCurrent,
    s.diagnoses,
    s.procedures,
    s.current,
    s.age,
    s.sex,
    s.safeMode,
    s.compare,
  ]);
}

export function isStale(s: ComposerState, seed: ComposerSeed | null): boolean {
  return s.answer !== null && s.answeredKey !== inputKey(s, seed);
}

/** The learnt titles and those of both answers (the answers' win). */
export function allTitles(s: ComposerState): Titles {
  return { ...s.titles, ...(s.teacherAnswer?.titles ?? {}), ...(s.answer?.titles ?? {}) };
}

/** Why Suggest cannot run yet because of text typed but not added, or null. */
export function pendingMessage(pending: Record<string, string>): string | null {
  const unadded = Object.entries(pending).find(([, text]) => text !== "");
  return unadded
    ? `"${unadded[1]}" was typed into ${unadded[0]} but not added: choose it from the list (or clear the box) before suggesting.`
    : null;
}

/** The subject to recommend for, or why there is none (a message to show). */
export function subjectOf(s: ComposerState, seed: ComposerSeed | null): Subject | string {
  if (s.mode === "patient" && seed) {
    return {
      kind: "patient",
      patient_id: seed.record.patient.id,
      admission_id: seed.admission_id,
      extra_current: s.extraCurrent,
    };
  }
  if (!s.diagnoses.length && !s.procedures.length && !s.current.length)
    return "Add at least one diagnosis, procedure or current medication.";
  let age: number | null = null;
  if (s.age.trim() !== "") {
    age = Number(s.age);
    if (!Number.isInteger(age) || age < 0 || age > 120) return "Age must be a whole number of years between 0 and 120.";
  }
  return { kind: "ad_hoc", diagnoses: s.diagnoses, procedures: s.procedures, current: s.current, age, sex: s.sex };
}

/** What a suggestion orders unless the prescriber picks otherwise: its first candidate, else the class. */
export function defaultPick(s: Suggestion): Choice {
  const c = s.candidates[0];
  return c ? { kind: "drug", drug: c.drug, route: c.route } : { kind: "class_only" };
}

/** The suggestion's pick: the prescriber's, else the default. */
export function pickOf(s: Suggestion, choices: Record<Code, Selection>): Choice {
  return choices[s.medication]?.pick ?? defaultPick(s);
}

/** The code a pick stands for in the interaction screening: the drug, or the suggested class. */
export function pickCode(s: Suggestion, choices: Record<Code, Selection>): Code {
  const p = pickOf(s, choices);
  return p.kind === "drug" ? p.drug : s.medication;
}

/**
 * What is screened: the current medications and the pick of each suggestion above the
 * threshold, including those safe mode withheld (their interaction is why, and the service
 * screens them too).
 */
export function activeSet(answer: Answer, choices: Record<Code, Selection>): Set<Code> {
  const rec = answer.recommendation;
  const out = new Set<Code>(rec.current_medications);
  for (const s of rec.suggestions)
    if (s.status === "suggested" || s.status === "withheld_interaction") out.add(pickCode(s, choices));
  return out;
}

const pairKey = (f: Finding) => (f.a < f.b ? `${f.a}|${f.b}` : `${f.b}|${f.a}`);

/**
 * The findings of `interactions_any_choice` whose two drugs are both in `codes`: one per pair
 * (the strongest, drug-level before class-level), strongest first.
 */
export function findingsAmong(answer: Answer, codes: Set<Code>): Finding[] {
  const best = new Map<string, Finding>();
  const rank = (f: Finding) => severityRank(f.severity) * 2 + (f.certainty === "drug" ? 1 : 0);
  for (const f of answer.recommendation.interactions_any_choice) {
    if (!codes.has(f.a) || !codes.has(f.b) || f.a === f.b) continue;
    const k = pairKey(f);
    const prev = best.get(k);
    if (!prev || rank(f) > rank(prev)) best.set(k, f);
  }
  return [...best.values()].sort((x, y) => rank(y) - rank(x));
}

/** `answer` with `recommendation.interactions` screened for the picks in `choices` (see `ComposerState.answer`). */
export function withPicks(answer: Answer, choices: Record<Code, Selection>): Answer {
  const interactions = findingsAmong(answer, activeSet(answer, choices));
  return { ...answer, recommendation: { ...answer.recommendation, interactions } };
}

/** The decision to record on `answer`, or why it cannot be recorded yet (a message to show). */
export function decisionOf(answer: Answer, choices: Record<Code, Selection>, note: string): DecisionRequest | string {
  const decided = answer.recommendation.suggestions.filter((s) => (choices[s.medication]?.action ?? "none") !== "none");
  if (!decided.length) return "Choose Accept, Reject or Replace for at least one suggestion first.";
  const missing = decided.find((s) => choices[s.medication].action === "replace" && !choices[s.medication].replacement);
  if (missing) return `Choose a replacement for ${missing.name ?? missing.medication}.`;
  if (answer.recommendation_id === null)
    return "This answer was not recorded, so a decision cannot refer to it; press Suggest again.";
  return {
    recommendation_id: answer.recommendation_id,
    decisions: decided.map((s) => {
      const c = choices[s.medication];
      return {
        medication: s.medication,
        action: c.action as Action,
        replacement: c.action === "replace" ? c.replacement : null,
        choice: c.action === "accept" ? pickOf(s, choices) : null,
      };
    }),
    note: note.trim() || null,
  };
}
