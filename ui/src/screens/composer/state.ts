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
import type { InteractionCheck } from "../../bindings/InteractionCheck";
import type { IpcError } from "../../bindings/IpcError";
import type { Override } from "../../bindings/Override";
import type { OverrideReason } from "../../bindings/OverrideReason";
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
export type Selection = {
  action: Action | "none";
  replacement: Code | null;
  pick: Choice | null;
  /** Why a high-severity warning (or safe mode's withholding) is overridden; null: none given. */
  override?: Override | null;
  /** What the override was given for (`OverrideNeed.key`): a change of it voids the override. */
  overrideFor?: string | null;
};

export const UNDECIDED: Selection = { action: "none", replacement: null, pick: null };

/** `sel` without an override (the keys left out, so that a plain selection stays plain). */
function withoutOverride(sel: Selection): Selection {
  const { override: _o, overrideFor: _f, ...rest } = sel;
  return rest;
}

/** A decision proposed on a card that needs an override reason before it counts (`proposals`). */
export type Proposal = { action: Action; replacement: Code | null };

/** The override reasons as the prescriber reads them, in the order offered. */
export const OVERRIDE_REASONS: { id: OverrideReason; label: string }[] = [
  { id: "benefit-outweighs-risk", label: "Benefit outweighs the risk" },
  { id: "will-monitor", label: "Will monitor or adjust the dose" },
  { id: "tolerated-before", label: "Patient has tolerated the combination before" },
  { id: "not-applicable", label: "Alert does not apply to this patient" },
  { id: "other", label: "Other (explain)" },
];

export const OVERRIDE_LABEL = Object.fromEntries(OVERRIDE_REASONS.map((r) => [r.id, r.label])) as Record<
  OverrideReason,
  string
>;

/** The longest override comment the service accepts (characters). */
export const MAX_OVERRIDE_COMMENT = 500;

/**
 * The pharmacist check (`check_interactions`) of one combination of codes, for a decision the
 * answer's pre-screening does not cover: running, its findings, or why it failed.
 */
export type Screening =
  | { state: "checking" }
  | { state: "done"; findings: Finding[] }
  | { state: "failed"; error: IpcError };

/** The checks asked for, by combination (`screenKey`): one call per combination, whatever re-renders. */
export type Screenings = Record<string, Screening>;

/** A combination's key in `Screenings`: its codes, each once, sorted (the order the check is asked in). */
export function screenKey(codes: Iterable<Code>): string {
  return JSON.stringify([...new Set(codes)].sort());
}

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
  /**
   * Accepts and replacements chosen on a card that need an override reason (`overrideNeed`):
   * shown with the override form, not counted as decided until the reason is confirmed; or whose
   * combination is being checked, counted once the check finds no reason needed (`settle`).
   */
  proposals: Record<Code, Proposal>;
  /** The checks of combinations outside the answer's pre-screening (`overrideNeed`), kept across answers. */
  screens: Screenings;
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
  | { type: "confirm_override"; medication: Code; override: Override }
  | { type: "cancel_override"; medication: Code }
  | { type: "screen_started"; key: string }
  | { type: "screen_done"; key: string; check: InteractionCheck }
  | { type: "screen_failed"; key: string; error: IpcError }
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
    proposals: {},
    screens: {},
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
        proposals: {},
        // A new answer is a new chance for a check that failed; the findings of one that ran hold.
        screens: Object.fromEntries(Object.entries(s.screens).filter(([, x]) => x.state !== "failed")),
        status: answerStatus(answer),
      };
    }
    case "suggest_failed":
      return { ...s, busy: false, error: a.error, status: "" };
    case "choose": {
      const { choices, proposals } = choose(s, a.medication, a.choice);
      return { ...s, choices: dropUnneeded(s.answer, choices, s.screens), proposals, recorded: null, recordMsg: "" };
    }
    case "pick": {
      const prev = s.choices[a.medication] ?? UNDECIDED;
      let choices = { ...s.choices, [a.medication]: { ...prev, pick: a.pick } };
      let proposals = s.proposals;
      if (s.answer && prev.action !== "none") {
        // A new pick voids an override given for another set of warnings: the item goes back to
        // the form (not accepted) when the new pick needs a reason, and keeps none when it does not.
        // While the new combination is being checked, the item waits as a proposal too.
        const need = overrideNeed(s.answer, choices, a.medication, s.screens);
        if (!need.needed && need.source !== "checking")
          choices = { ...choices, [a.medication]: withoutOverride(choices[a.medication]) };
        else if (prev.overrideFor !== need.key) {
          choices = { ...choices, [a.medication]: { ...UNDECIDED, pick: a.pick } };
          proposals = { ...proposals, [a.medication]: { action: prev.action, replacement: prev.replacement } };
        }
      }
      choices = dropUnneeded(s.answer, choices, s.screens);
      const answer = s.answer && withPicks(s.answer, choices);
      return {
        ...s,
        choices,
        proposals,
        answer,
        status: answer ? answerStatus(answer) : s.status,
        recorded: null,
        recordMsg: "",
      };
    }
    case "confirm_override": {
      if (!s.answer) return s;
      const prev = s.choices[a.medication] ?? UNDECIDED;
      const proposed = s.proposals[a.medication] ?? { action: prev.action, replacement: prev.replacement };
      if (proposed.action === ("none" as string)) return s;
      const tentative = { ...s.choices, [a.medication]: { ...prev, ...proposed } };
      const need = overrideNeed(s.answer, tentative, a.medication, s.screens);
      // A reason is given for known warnings: none while the check has found none yet.
      if (need.source === "checking" && !need.needed) return s;
      const proposals = { ...s.proposals };
      delete proposals[a.medication];
      return {
        ...s,
        choices: dropUnneeded(
          s.answer,
          { ...tentative, [a.medication]: { ...tentative[a.medication], override: a.override, overrideFor: need.key } },
          s.screens,
        ),
        proposals,
        recorded: null,
        recordMsg: "",
      };
    }
    case "cancel_override": {
      const proposals = { ...s.proposals };
      delete proposals[a.medication];
      return { ...s, proposals };
    }
    case "screen_started":
      return { ...s, screens: { ...s.screens, [a.key]: { state: "checking" } } };
    case "screen_done":
      return settle({
        ...s,
        screens: { ...s.screens, [a.key]: { state: "done", findings: a.check.findings } },
        titles: { ...a.check.titles, ...s.titles },
      });
    case "screen_failed":
      return settle({ ...s, screens: { ...s.screens, [a.key]: { state: "failed", error: a.error } } });
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
  return strongestPerPair(answer.recommendation.interactions_any_choice, codes);
}

/** The findings whose two drugs are both in `codes`: one per pair (the strongest), strongest first. */
function strongestPerPair(findings: Finding[], codes: Set<Code>): Finding[] {
  const best = new Map<string, Finding>();
  const rank = (f: Finding) => severityRank(f.severity) * 2 + (f.certainty === "drug" ? 1 : 0);
  for (const f of findings) {
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

/**
 * The decision to record on `answer`, or why it cannot be recorded yet (a message to show). An
 * item whose combination is still being checked (`screens`), decided or proposed, holds the
 * whole decision back: it would otherwise be recorded without it, or without its reason.
 */
export function decisionOf(
  answer: Answer,
  choices: Record<Code, Selection>,
  note: string,
  screens: Screenings,
  proposals: Record<Code, Proposal> = {},
): DecisionRequest | string {
  const checking = answer.recommendation.suggestions.find((s) => {
    const p = proposals[s.medication];
    return overrideNeed(answer, p ? withProposal(choices, s.medication, p) : choices, s.medication, screens).source === "checking";
  });
  if (checking)
    return `${checking.name ?? checking.medication} is still being checked for interactions with the current medications and the other decisions: record once the check is done.`;
  const decided = answer.recommendation.suggestions.filter((s) => (choices[s.medication]?.action ?? "none") !== "none");
  if (!decided.length) return "Choose Accept, Reject or Replace for at least one suggestion first.";
  const missing = decided.find((s) => choices[s.medication].action === "replace" && !choices[s.medication].replacement);
  if (missing) return `Choose a replacement for ${missing.name ?? missing.medication}.`;
  if (answer.recommendation_id === null)
    return "This answer was not recorded, so a decision cannot refer to it; press Suggest again.";
  // A reason given for other warnings (another item's change altered them) no longer counts.
  const without = missingOverrides(answer, choices, screens);
  const unjustified = decided.find((s) => without.includes(s.medication));
  if (unjustified)
    return `${unjustified.name ?? unjustified.medication} needs an override reason: give it on its card first.`;
  return {
    recommendation_id: answer.recommendation_id,
    decisions: decided.map((s) => {
      const c = choices[s.medication];
      return {
        medication: s.medication,
        action: c.action as Action,
        replacement: c.action === "replace" ? c.replacement : null,
        choice: c.action === "accept" ? pickOf(s, choices) : null,
        override_reason: c.override ?? null,
      };
    }),
    note: note.trim() || null,
  };
}

// ---------------------------------------------------------------- overrides

/**
 * Applies a choice of action on a card: counted at once when it needs no override reason (or
 * keeps a still valid one), otherwise held as a proposal until the reason is confirmed.
 */
function choose(
  s: ComposerState,
  medication: Code,
  choice: Omit<Selection, "pick" | "override" | "overrideFor">,
): Pick<ComposerState, "choices" | "proposals"> {
  const prev = s.choices[medication] ?? UNDECIDED;
  const proposals = { ...s.proposals };
  delete proposals[medication];
  const next: Selection = { ...prev, action: choice.action, replacement: choice.replacement };
  const tentative = { ...s.choices, [medication]: next };
  const need = s.answer ? overrideNeed(s.answer, tentative, medication, s.screens) : null;
  // A combination being checked is not known to be clear: the choice waits as a proposal until
  // the check settles it (`settle`).
  if ((!need?.needed && need?.source !== "checking") || choice.action === "none" || choice.action === "reject")
    return { choices: { ...tentative, [medication]: withoutOverride(next) }, proposals };
  if (prev.override && prev.overrideFor === need?.key && prev.action === choice.action && prev.replacement === choice.replacement)
    return { choices: tentative, proposals };
  // Not accepted until confirmed (or cleared by the check): the card keeps its previous state below.
  const kept = prev.action === "none" ? withoutOverride(prev) : { ...UNDECIDED, pick: prev.pick };
  proposals[medication] = { action: choice.action, replacement: choice.replacement };
  return { choices: { ...s.choices, [medication]: kept }, proposals };
}

/**
 * `choices` without the overrides that are no longer needed: another item's change (a rejection,
 * another pick) can remove the warning a reason was given for, and a decision carries a reason
 * only when it needs one.
 */
function dropUnneeded(
  answer: Answer | null,
  choices: Record<Code, Selection>,
  screens: Screenings,
): Record<Code, Selection> {
  if (!answer) return choices;
  let out = choices;
  for (const [code, sel] of Object.entries(choices)) {
    if (!sel.override) continue;
    if (sel.action !== "none") {
      // While its combination is being checked a reason is kept: the check may confirm its warnings.
      const need = overrideNeed(answer, choices, code, screens);
      if (need.needed || need.source === "checking") continue;
    }
    out = { ...out, [code]: withoutOverride(sel) };
  }
  return out;
}

/** `choices` with `medication` decided as `proposal` proposes (what the card's form is about). */
export function withProposal(choices: Record<Code, Selection>, medication: Code, proposal: Proposal): Record<Code, Selection> {
  return { ...choices, [medication]: { ...(choices[medication] ?? UNDECIDED), ...proposal } };
}

/**
 * After a check: the proposals it clears (no reason needed) are applied as `choose` would have
 * applied them, and the reasons it makes unneeded are dropped.
 */
function settle(s: ComposerState): ComposerState {
  if (!s.answer) return s;
  let choices = s.choices;
  const proposals = { ...s.proposals };
  for (const [code, p] of Object.entries(s.proposals)) {
    const tentative = withProposal(choices, code, p);
    const need = overrideNeed(s.answer, tentative, code, s.screens);
    if (need.needed || need.source === "checking") continue;
    choices = { ...tentative, [code]: withoutOverride(tentative[code]) };
    delete proposals[code];
  }
  return { ...s, choices: dropUnneeded(s.answer, choices, s.screens), proposals };
}

/** The code a decision orders: an accepted suggestion's pick (drug, else class), a replacement; else null. */
export function orderedCode(s: Suggestion, sel: Selection | undefined): Code | null {
  if (!sel) return null;
  if (sel.action === "accept") {
    const p = sel.pick ?? defaultPick(s);
    return p.kind === "drug" ? p.drug : s.medication;
  }
  if (sel.action === "replace") return sel.replacement;
  return null;
}

/** Every code the decided items order (accepted picks and replacements), in suggestion order. */
export function decidedCodes(answer: Answer, choices: Record<Code, Selection>): Code[] {
  const out: Code[] = [];
  for (const s of answer.recommendation.suggestions) {
    const c = orderedCode(s, choices[s.medication]);
    if (c && !out.includes(c)) out.push(c);
  }
  return out;
}

/**
 * The codes `interactions_any_choice` was screened over: the current medications and, for each
 * suggestion above the threshold (withheld ones included), its class and its candidates. A
 * pair with a code outside this set cannot be screened here.
 */
export function screenedUniverse(answer: Answer): Set<Code> {
  const rec = answer.recommendation;
  const out = new Set<Code>(rec.current_medications);
  for (const s of rec.suggestions) {
    if (s.status !== "suggested" && s.status !== "withheld_interaction") continue;
    out.add(s.medication);
    for (const c of s.candidates) out.add(c.drug);
  }
  return out;
}

const isHigh = (f: Finding) => f.severity === "major" || f.severity === "contraindicated";

export interface OverrideNeed {
  /**
   * A reason is needed. While the combination is being checked, as far as is known already (a
   * withheld suggestion, a finding of the pre-screening): the check may add to it, never remove.
   */
  needed: boolean;
  /** Safe mode withheld the suggestion and it is accepted. */
  withheld: boolean;
  /** The major or contraindicated findings the ordered code is party to. */
  findings: Finding[];
  /**
   * What `findings` cover: the answer's pre-screening (`interactions_any_choice`) covers the whole
   * combination ("answer"); the check of the combination (`check_interactions`) answered ("check");
   * it is running, the pre-screening's part known so far ("checking"); it failed, and the reason is
   * required ("failed").
   */
  source: "answer" | "check" | "checking" | "failed";
  /** The combination to check (sorted) when the pre-screening does not cover it; else null. */
  combination: Code[] | null;
  /** Codes whose pairs with the ordered code could not be screened: only when the check failed. */
  unscreened: Code[];
  /** Why the check failed. */
  error: IpcError | null;
  /** Identifies what the reason is given for; a reason stays valid while this does not change. */
  key: string;
}

/**
 * Whether the decision on `medication` in `choices` needs an override reason, as the service
 * decides (`needs_override` in leader-service): it accepts a suggestion safe mode withheld, or
 * the code it orders is party to a major or contraindicated finding when every decided code is
 * screened with the current medications. Screened here from `interactions_any_choice` when that
 * covers the combination; when a pair lies outside it (a replacement, a suggestion below the
 * threshold), from the check of the whole combination in `screens` too (`check_interactions`,
 * asked for by the composer: `combinationsToScreen`), so that a reason is asked for only when
 * there is a warning to give it for. Until the check answers, the need is known only in part;
 * when it fails the reason is required. The service's screening on record stays the authority.
 */
export function overrideNeed(
  answer: Answer,
  choices: Record<Code, Selection>,
  medication: Code,
  screens: Screenings,
): OverrideNeed {
  const rec = answer.recommendation;
  const s = rec.suggestions.find((x) => x.medication === medication);
  const sel = choices[medication];
  const none: OverrideNeed = {
    needed: false,
    withheld: false,
    findings: [],
    source: "answer",
    combination: null,
    unscreened: [],
    error: null,
    key: "",
  };
  if (!s || !sel) return none;
  const code = orderedCode(s, sel);
  if (code === null) return none;
  const withheld = sel.action === "accept" && s.status === "withheld_interaction";
  const decided = decidedCodes(answer, choices);
  const universe = screenedUniverse(answer);
  const together = new Set<Code>([...rec.current_medications, ...decided, code]);
  const involving = (fs: Finding[]) => fs.filter((f) => isHigh(f) && (f.a === code || f.b === code));
  let findings = involving(findingsAmong(answer, together));
  let source: OverrideNeed["source"] = "answer";
  let combination: Code[] | null = null;
  let unscreened: Code[] = [];
  let error: IpcError | null = null;
  const outside = [...together].filter((c) => !universe.has(c));
  if (outside.length) {
    combination = [...together].sort();
    const screening = screens[screenKey(combination)];
    if (!screening || screening.state === "checking") source = "checking";
    else if (screening.state === "done") {
      // The check covers every pair of the combination. The same rules screened both, so it
      // agrees with the pre-screening where they overlap; both are kept all the same, so that a
      // warning shown on the card is never dropped here.
      source = "check";
      findings = involving(strongestPerPair([...rec.interactions_any_choice, ...screening.findings], together));
    } else {
      // Not screened here: the reason is required, as it was before the check existed (the
      // service screens the combination again on record).
      source = "failed";
      error = screening.error;
      unscreened = universe.has(code) ? outside.sort() : [code];
    }
  }
  const pairs = findings.map((f) => `${pairKey(f)}:${f.severity}`).sort();
  // A reason given while checking stays valid if the check finds no other warning.
  const key = JSON.stringify([sel.action, code, withheld, pairs, unscreened]);
  const needed = withheld || findings.length > 0 || source === "failed";
  return { needed, withheld, findings, source, combination, unscreened, error, key };
}

/**
 * The combinations the decided and proposed items need checked (`overrideNeed`) that were not
 * asked for yet, each once.
 */
export function combinationsToScreen(s: ComposerState): Code[][] {
  if (!s.answer) return [];
  const out = new Map<string, Code[]>();
  for (const x of s.answer.recommendation.suggestions) {
    const p = s.proposals[x.medication];
    const choices = p ? withProposal(s.choices, x.medication, p) : s.choices;
    const { combination } = overrideNeed(s.answer, choices, x.medication, s.screens);
    if (combination && !s.screens[screenKey(combination)]) out.set(screenKey(combination), combination);
  }
  return [...out.values()];
}

/** The decided items whose override reason is missing or was given for other warnings. */
export function missingOverrides(answer: Answer, choices: Record<Code, Selection>, screens: Screenings): Code[] {
  return answer.recommendation.suggestions
    .filter((s) => {
      const c = choices[s.medication];
      if (!c || c.action === "none") return false;
      const need = overrideNeed(answer, choices, s.medication, screens);
      return need.needed && (!c.override || c.overrideFor !== need.key);
    })
    .map((s) => s.medication);
}

/** Why an override cannot be confirmed yet, or null. */
export function overrideProblem(reason: OverrideReason | null, comment: string): string | null {
  if (!reason) return "Choose a reason.";
  if (reason === "other" && !comment.trim()) return "Explain the reason in the comment.";
  if ([...comment].length > MAX_OVERRIDE_COMMENT) return `The comment has at most ${MAX_OVERRIDE_COMMENT} characters.`;
  return null;
}

/** The counts of a decision summary: "Accepted 3, rejected 2, replaced 0, 9 undecided". */
export function decisionCounts(answer: Answer, choices: Record<Code, Selection>) {
  const n = { accept: 0, reject: 0, replace: 0, none: 0 };
  for (const s of answer.recommendation.suggestions) n[choices[s.medication]?.action ?? "none"]++;
  return n;
}

export function countsText(n: ReturnType<typeof decisionCounts>): string {
  return `Accepted ${n.accept}, rejected ${n.reject}, replaced ${n.replace}, ${n.none} undecided`;
}

/** How many choices are not recorded: decided items and proposals awaiting a reason, 0 once recorded. */
export function unrecordedCount(s: ComposerState): number {
  if (!s.answer || s.recorded !== null) return 0;
  const codes = new Set<Code>(Object.keys(s.proposals));
  for (const [c, sel] of Object.entries(s.choices)) if (sel.action !== "none") codes.add(c);
  return codes.size;
}
