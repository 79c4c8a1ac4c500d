// Unit tests of the visit composer's reducer and its pure checks (src/screens/composer/state.ts),
// loaded through Vite's SSR loader: no browser needed.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createServer } from "vite";
import { ROOT } from "./setup.mjs";

let server;
/** @type {typeof import("../src/screens/composer/state.ts")} */
let m;

before(async () => {
  server = await createServer({
    root: ROOT,
    configFile: false,
    logLevel: "silent",
    appType: "custom",
    server: { middlewareMode: true, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  m = await server.ssrLoadModule("/src/screens/composer/state.ts");
});
after(async () => {
  await server?.close();
});

// The CLI's answer for DEMO-012 of the demo store (see src/mocks/recommend.json).
const answer = { ...JSON.parse(readFileSync(join(ROOT, "src", "mocks", "recommend.json"), "utf8")), recommendation_id: 41 };
const record = JSON.parse(readFileSync(join(ROOT, "src", "mocks", "patient_timeline.json"), "utf8"));
const seed = { record, admission_id: record.visits.at(-1).admission_id };

/** Folds `actions` over a fresh ad-hoc (no seed) state. */
const run = (actions, start = m.initialState(null, false)) => actions.reduce(m.composerReducer, start);
const hit = (code, title = "") => ({ code, title });

test("composer state: a seed with a visit starts on the stored visit, with the seed's titles", () => {
  const s = m.initialState(seed, true);
  assert.equal(s.mode, "patient");
  assert.deepEqual(s.titles, record.titles);
  assert.notEqual(s.titles, record.titles, "copied, not shared");
  assert.equal(m.initialState(null, false).mode, "ad_hoc");
});

test("composer state: adding a code learns its title and never adds it twice; removing drops it", () => {
  let s = run([
    { type: "add", list: "diagnoses", hit: hit("ICD10CM:I4891", "Atrial fibrillation") },
    { type: "add", list: "diagnoses", hit: hit("ICD10CM:I4891", "Atrial fibrillation") },
    { type: "add", list: "current", hit: hit("ATC:B01A") },
  ]);
  assert.deepEqual(s.diagnoses, ["ICD10CM:I4891"]);
  assert.deepEqual(s.current, ["ATC:B01A"]);
  assert.deepEqual(s.titles, { "ICD10CM:I4891": "Atrial fibrillation" }, "an empty title is not learnt");
  s = m.composerReducer(s, { type: "remove", list: "diagnoses", code: "ICD10CM:I4891" });
  assert.deepEqual(s.diagnoses, []);
});

test("composer state: switching to ad hoc copies the visit and puts the extra current medications after the previous ones", () => {
  const start = { ...m.initialState(seed, true), extraCurrent: ["ATC:N02B", "ATC:C10A"], answer };
  const s = m.composerReducer(start, {
    type: "to_ad_hoc",
    from: { diagnoses: ["D:1"], procedures: ["P:1"], previousMeds: ["ATC:C10A", "ATC:B01A"], age: 67, sex: "F" },
  });
  assert.equal(s.mode, "ad_hoc");
  assert.deepEqual(s.diagnoses, ["D:1"]);
  assert.deepEqual(s.procedures, ["P:1"]);
  assert.deepEqual(s.current, ["ATC:C10A", "ATC:B01A", "ATC:N02B"]);
  assert.equal(s.age, "67");
  assert.equal(s.sex, "F");
  assert.equal(s.answer, null);
  const noAge = { diagnoses: [], procedures: [], previousMeds: [], age: null, sex: "U" };
  assert.equal(m.composerReducer(start, { type: "to_ad_hoc", from: noAge }).age, "");
  const fresh = m.composerReducer({ ...start, diagnoses: ["D:9"] }, { type: "to_ad_hoc", from: null });
  assert.deepEqual([fresh.mode, fresh.diagnoses], ["ad_hoc", ["D:9"]], "no visit: nothing copied");
});

test("composer state: an answer is stale once any input changes", () => {
  let s = run([{ type: "add", list: "diagnoses", hit: hit("D:1") }, { type: "suggest_started" }]);
  assert.equal(s.busy, true);
  assert.equal(s.status, "Asking the model…");
  s = m.composerReducer(s, { type: "suggest_done", answer, teacher: null, key: m.inputKey(s, null) });
  assert.equal(s.busy, false);
  assert.match(s.status, /^\d+ suggestions? \(\d+ above the threshold\) in \d+ ms; /);
  assert.equal(m.isStale(s, null), false);
  for (const a of [
    { type: "age", value: "40" },
    { type: "sex", value: "M" },
    { type: "safe_mode", value: true },
    { type: "compare", value: true },
    { type: "add", list: "procedures", hit: hit("P:1") },
  ])
    assert.equal(m.isStale(m.composerReducer(s, a), null), true, a.type);
  assert.equal(m.isStale(m.composerReducer(s, { type: "note", text: "x" }), null), false, "the note is no input");
});

test("composer state: the subject, or why there is none", () => {
  assert.equal(m.subjectOf(run([]), null), "Add at least one diagnosis, procedure or current medication.");
  const withDx = [{ type: "add", list: "diagnoses", hit: hit("D:1") }];
  for (const age of ["-1", "121", "4.5", "x"])
    assert.equal(
      m.subjectOf(run([...withDx, { type: "age", value: age }]), null),
      "Age must be a whole number of years between 0 and 120.",
      age,
    );
  assert.deepEqual(m.subjectOf(run([...withDx, { type: "age", value: " 70 " }, { type: "sex", value: "F" }]), null), {
    kind: "ad_hoc",
    diagnoses: ["D:1"],
    procedures: [],
    current: [],
    age: 70,
    sex: "F",
  });
  const stored = run([{ type: "add", list: "extraCurrent", hit: hit("ATC:N02B") }], m.initialState(seed, true));
  assert.deepEqual(m.subjectOf(stored, seed), {
    kind: "patient",
    patient_id: record.patient.id,
    admission_id: seed.admission_id,
    extra_current: ["ATC:N02B"],
  });
  assert.equal(m.pendingMessage({ "the diagnosis search": "" }), null);
  assert.match(m.pendingMessage({ a: "", "the diagnosis search": "warf" }), /^"warf" was typed into the diagnosis search but not added/);
});

const unreadable = { code: "internal", message: "the interaction rules could not be read" };

/** The checks of `choices`'s combination for `code` (`overrideNeed`), failed. */
const failedCheck = (a, choices, code) => ({
  [m.screenKey(m.overrideNeed(a, choices, code, {}).combination)]: { state: "failed", error: unreadable },
});

/**
 * `s` once every check it asks for (`combinationsToScreen`) is answered by `outcome(codes)`:
 * the findings of the combination, or an IpcError for a check that fails.
 */
const checked = (s, outcome) => {
  for (let todo = m.combinationsToScreen(s); todo.length; todo = m.combinationsToScreen(s))
    for (const codes of todo) {
      const key = m.screenKey(codes);
      const r = outcome(codes);
      const end = Array.isArray(r)
        ? { type: "screen_done", key, check: { findings: r, titles: {} } }
        : { type: "screen_failed", key, error: r };
      s = run([{ type: "screen_started", key }, end], s);
    }
  return s;
};

test("composer state: the decision, or why it cannot be recorded", () => {
  const [first, second] = answer.recommendation.suggestions;
  const none = {};
  assert.equal(m.decisionOf(answer, none, "", {}), "Choose Accept, Reject or Replace for at least one suggestion first.");
  const replaceOpen = { [first.medication]: { action: "replace", replacement: null } };
  assert.equal(m.decisionOf(answer, replaceOpen, "", {}), `Choose a replacement for ${first.name ?? first.medication}.`);
  const choices = {
    [first.medication]: { action: "replace", replacement: "ATC:X", pick: null },
    [second.medication]: { action: "accept", replacement: "ATC:ignored", pick: null },
  };
  // ATC:X is outside what the answer screened: nothing is recorded before its combination is checked.
  assert.match(
    m.decisionOf(answer, choices, "", {}),
    new RegExp(`^${first.name ?? first.medication} is still being checked for interactions`),
  );
  const screens = failedCheck(answer, choices, first.medication);
  assert.equal(
    m.decisionOf({ ...answer, recommendation_id: null }, choices, "", screens),
    "This answer was not recorded, so a decision cannot refer to it; press Suggest again.",
  );
  // The check failed: replacing with ATC:X, and ordering anything beside it, needs a reason.
  assert.equal(
    m.decisionOf(answer, choices, "", screens),
    `${first.name ?? first.medication} needs an override reason: give it on its card first.`,
  );
  /** `code`'s override as the card gives it: for the warnings it has now. */
  const justify = (code, override) => {
    choices[code] = { ...choices[code], override, overrideFor: m.overrideNeed(answer, choices, code, screens).key };
  };
  const why = { reason: "not-applicable", comment: "ARB tolerated for years" };
  justify(first.medication, why);
  assert.equal(
    m.decisionOf(answer, choices, "", screens),
    `${second.name ?? second.medication} needs an override reason: give it on its card first.`,
  );
  // A reason given for other warnings does not count.
  choices[second.medication] = { ...choices[second.medication], override: reason(), overrideFor: "other warnings" };
  assert.equal(
    m.decisionOf(answer, choices, "", screens),
    `${second.name ?? second.medication} needs an override reason: give it on its card first.`,
  );
  justify(second.medication, { reason: "will-monitor", comment: null });
  assert.deepEqual(m.decisionOf(answer, choices, "  ", screens), {
    recommendation_id: 41,
    decisions: [
      { medication: first.medication, action: "replace", replacement: "ATC:X", choice: null, override_reason: why },
      // Accepted without a pick: the first candidate.
      {
        medication: second.medication,
        action: "accept",
        replacement: null,
        choice: { kind: "drug", drug: second.candidates[0].drug, route: second.candidates[0].route },
        override_reason: { reason: "will-monitor", comment: null },
      },
    ],
    note: null,
  });
  assert.equal(m.decisionOf(answer, choices, " seen ", screens).note, "seen");
  // Nothing needs a reason: each item carries override_reason null.
  const plain = {
    [first.medication]: { action: "reject", replacement: null, pick: null },
    [second.medication]: { action: "accept", replacement: null, pick: null },
  };
  assert.deepEqual(m.decisionOf(answer, plain, "", {}).decisions, [
    { medication: first.medication, action: "reject", replacement: null, choice: null, override_reason: null },
    {
      medication: second.medication,
      action: "accept",
      replacement: null,
      choice: { kind: "drug", drug: second.candidates[0].drug, route: second.candidates[0].route },
      override_reason: null,
    },
  ]);
});

test("composer state: choosing or editing the note un-records; recording and exporting clear what they replace", () => {
  let s = run([{ type: "record_message", message: "m" }, { type: "record_started" }]);
  assert.equal(s.recordMsg, "");
  assert.equal(s.recording, true);
  s = run([{ type: "export_done", exported: { file: "f" } }, { type: "record_done", id: 7 }], s);
  assert.equal(s.recorded, 7);
  assert.equal(s.exported, null);
  assert.equal(run([{ type: "note", text: "n" }], s).recorded, null);
  const chosen = run([{ type: "record_message", message: "m" }, { type: "choose", medication: "ATC:A", choice: { action: "accept", replacement: null } }], s);
  assert.equal(chosen.recorded, null);
  assert.equal(chosen.recordMsg, "");
  const err = { code: "busy", message: "b" };
  assert.deepEqual(run([{ type: "export_started" }, { type: "export_failed", error: err }]).exportError, err);
  assert.equal(run([{ type: "suggest_failed", error: err }, { type: "dismiss_error" }]).error, null);
});

// ---------------------------------------------------------------- candidates and interactions

const sugg = (code) => answer.recommendation.suggestions.find((s) => s.medication === code);
const pairs = (findings) => findings.map((f) => `${f.a}×${f.b}:${f.severity}:${f.certainty}`).sort();
/** A state showing `answer`, after `actions`. */
const shown = (actions = []) =>
  run([{ type: "suggest_done", answer, teacher: null, key: "k" }, ...actions], m.initialState(null, false));
const pick = (medication, p) => ({ type: "pick", medication, pick: p });
const drug = (code) => {
  const c = answer.recommendation.suggestions.flatMap((s) => s.candidates).find((x) => x.drug === code);
  return { kind: "drug", drug: c.drug, route: c.route };
};

test("composer state: the sample has what these tests rely on", () => {
  // Macrolides: azithromycin (current, the default) or clarithromycin; a clarithromycin ×
  // azithromycin rule (drug-level) and a ticagrelor × clarithromycin rule that is class-level
  // against the blood-thinner class, whose default is heparin.
  assert.deepEqual(sugg("ATC:J01F").candidates.map((c) => c.drug), ["ATC:J01FA10", "ATC:J01FA09"]);
  assert.equal(sugg("ATC:B01A").candidates[0].drug, "ATC:B01AB01");
  assert.equal(sugg("ATC:A12C").candidates.length, 0);
  for (const code of ["ATC:J01F", "ATC:B01A", "ATC:A12C"]) assert.equal(sugg(code).status, "suggested", code);
  assert.deepEqual(pairs(answer.recommendation.interactions), []);
});

test("composer state: the default picks are each suggestion's first candidate, else its class", () => {
  assert.deepEqual(m.defaultPick(sugg("ATC:J01F")), { kind: "drug", drug: "ATC:J01FA10", route: "PO" });
  assert.deepEqual(m.defaultPick(sugg("ATC:A12C")), { kind: "class_only" });
  const set = m.activeSet(answer, {});
  for (const c of answer.recommendation.current_medications) assert.ok(set.has(c), c);
  assert.ok(set.has("ATC:J01FA10") && set.has("ATC:B01AB01") && set.has("ATC:A12C"));
  assert.ok(!set.has("ATC:J01F") && !set.has("ATC:B01A"), "a class with candidates stands for its first one");
  assert.ok(!set.has("ATC:C10AA05"), "below the threshold: not screened");
  // With the default picks the client screens what the service did.
  assert.deepEqual(pairs(shown().answer.recommendation.interactions), pairs(answer.recommendation.interactions));
});

test("composer state: each pick rescreens the chosen drugs without a new answer", () => {
  assert.match(
    shown().status,
    /; 0 major or contraindicated interaction warnings; review of the visit's orders: 0 major or contraindicated warnings\.$/,
  );
  let s = shown([pick("ATC:J01F", drug("ATC:J01FA09"))]);
  assert.deepEqual(pairs(s.answer.recommendation.interactions), ["ATC:J01FA10×ATC:J01FA09:major:drug"]);
  assert.match(s.status, /; 1 major or contraindicated interaction warning; review/, "the status line follows the picks");
  assert.deepEqual(s.choices["ATC:J01F"], { action: "none", replacement: null, pick: drug("ATC:J01FA09") });
  // Blood thinners as a class only: a class-level possibility with clarithromycin appears.
  s = run([pick("ATC:B01A", { kind: "class_only" })], s);
  assert.deepEqual(pairs(s.answer.recommendation.interactions), [
    "ATC:J01FA09×ATC:B01A:contraindicated:class",
    "ATC:J01FA10×ATC:J01FA09:major:drug",
  ]);
  assert.match(s.status, /; 1 major or contraindicated interaction warning; review/, "a class-level possibility is not counted");
  // Choosing a blood thinner resolves it; going back to azithromycin removes the rest.
  s = run([pick("ATC:B01A", drug("ATC:B01AC06"))], s);
  assert.deepEqual(pairs(s.answer.recommendation.interactions), ["ATC:J01FA10×ATC:J01FA09:major:drug"]);
  s = run([pick("ATC:J01F", drug("ATC:J01FA10"))], s);
  assert.deepEqual(pairs(s.answer.recommendation.interactions), []);
  // The rest of the answer is the service's.
  assert.equal(s.answer.recommendation.interactions_any_choice, answer.recommendation.interactions_any_choice);
  assert.equal(s.answer.recommendation.suggestions, answer.recommendation.suggestions);
  // Both classes as classes: the class × class possibility.
  s = run([pick("ATC:J01F", { kind: "class_only" }), pick("ATC:B01A", { kind: "class_only" })], s);
  assert.deepEqual(pairs(s.answer.recommendation.interactions), ["ATC:J01F×ATC:B01A:contraindicated:class"]);
});

test("composer state: a pick survives the action chosen after it and is forgotten by a new answer", () => {
  let s = shown([
    pick("ATC:J01F", drug("ATC:J01FA09")),
    { type: "choose", medication: "ATC:J01F", choice: { action: "accept", replacement: null } },
  ]);
  // Clarithromycin × azithromycin (major): the accept waits for its reason, the pick is kept.
  assert.deepEqual(s.choices["ATC:J01F"], { action: "none", replacement: null, pick: drug("ATC:J01FA09") });
  assert.deepEqual(s.proposals["ATC:J01F"], { action: "accept", replacement: null });
  const why = { reason: "will-monitor", comment: "QT monitored" };
  s = run([{ type: "confirm_override", medication: "ATC:J01F", override: why }], s);
  const need = m.overrideNeed(s.answer, s.choices, "ATC:J01F", s.screens);
  assert.deepEqual(s.choices["ATC:J01F"], {
    action: "accept",
    replacement: null,
    pick: drug("ATC:J01FA09"),
    override: why,
    overrideFor: need.key,
  });
  assert.deepEqual(s.proposals, {});
  // Another item's change that alters the warnings (a replacement whose check fails): the card
  // asks again and recording waits.
  const replaced = run(
    [{ type: "confirm_override", medication: "ATC:R03A", override: reason("not-applicable") }],
    checked(run([{ type: "choose", medication: "ATC:R03A", choice: { action: "replace", replacement: "ATC:Z99ZZ99" } }], s), () => unreadable),
  );
  assert.deepEqual(m.missingOverrides(replaced.answer, replaced.choices, replaced.screens), ["ATC:J01F"]);
  assert.match(
    m.decisionOf({ ...replaced.answer, recommendation_id: 1 }, replaced.choices, "", replaced.screens),
    /^Macrolide antibiotics needs an override reason/,
  );
  // A reason no longer needed once that change is undone is dropped: the decision carries none.
  const undone = run(
    [
      { type: "confirm_override", medication: "ATC:A12C", override: reason("other", "beside the unscreened drug") },
      { type: "choose", medication: "ATC:R03A", choice: { action: "reject", replacement: null } },
    ],
    checked(run([accept("ATC:A12C")], replaced), () => unreadable),
  );
  assert.equal(undone.choices["ATC:A12C"].action, "accept");
  assert.equal(undone.choices["ATC:A12C"].override, undefined);
  const carried = m.decisionOf({ ...undone.answer, recommendation_id: 1 }, undone.choices, "", undone.screens).decisions;
  assert.deepEqual(
    carried.map((x) => [x.medication, x.action, x.override_reason]),
    [
      ["ATC:R03A", "reject", null],
      ["ATC:A12C", "accept", null],
      ["ATC:J01F", "accept", why],
    ],
  );
  s = run([{ type: "record_done", id: 3 }, pick("ATC:J01F", drug("ATC:J01FA10"))], s);
  assert.equal(s.recorded, null, "a new pick un-records");
  assert.deepEqual(s.choices["ATC:J01F"], { action: "accept", replacement: null, pick: drug("ATC:J01FA10") });
  s = run([{ type: "suggest_done", answer, teacher: null, key: "k" }], s);
  assert.deepEqual(s.choices, {});
  assert.deepEqual(s.proposals, {});
});

test("composer state: accepted suggestions carry the chosen ingredient, or class only", () => {
  const s = shown([
    pick("ATC:J01F", drug("ATC:J01FA09")),
    { type: "choose", medication: "ATC:J01F", choice: { action: "accept", replacement: null } },
    // Clarithromycin × azithromycin (major): accepted once its reason is confirmed.
    { type: "confirm_override", medication: "ATC:J01F", override: { reason: "benefit-outweighs-risk", comment: null } },
    pick("ATC:H02A", { kind: "class_only" }),
    { type: "choose", medication: "ATC:H02A", choice: { action: "accept", replacement: null } },
    { type: "choose", medication: "ATC:A12C", choice: { action: "accept", replacement: null } },
    pick("ATC:B01A", drug("ATC:B01AC04")),
    { type: "choose", medication: "ATC:B01A", choice: { action: "reject", replacement: null } },
  ]);
  const d = m.decisionOf(s.answer, s.choices, "", s.screens);
  assert.deepEqual(
    d.decisions.map((x) => [x.medication, x.action, x.choice, x.override_reason]),
    [
      ["ATC:A12C", "accept", { kind: "class_only" }, null],
      ["ATC:H02A", "accept", { kind: "class_only" }, null],
      ["ATC:J01F", "accept", { kind: "drug", drug: "ATC:J01FA09", route: "PO" }, { reason: "benefit-outweighs-risk", comment: null }],
      ["ATC:B01A", "reject", null, null],
    ],
  );
});

test("composer state: the status line counts the review's major or contraindicated drug-level findings; none without a review", () => {
  const demo005 = JSON.parse(readFileSync(join(ROOT, "src", "mocks", "recommend_demo005.json"), "utf8"));
  assert.equal(demo005.recommendation.interactions.length, 0, "the suggestions alone interact with nothing");
  assert.match(
    m.answerStatus(demo005),
    /; 0 major or contraindicated interaction warnings; review of the visit's orders: 1 major or contraindicated warning\.$/,
  );
  // Class-level and unknown-severity findings of the review are not counted.
  const f = demo005.review.interactions[0];
  const soft = {
    ...demo005,
    review: {
      ...demo005.review,
      interactions: [
        { ...f, certainty: "class" },
        { ...f, a: "ATC:C07AB07", severity: "unknown" },
        { ...f, a: "ATC:C09AA03", severity: "contraindicated" },
      ],
    },
  };
  assert.match(m.answerStatus(soft), /review of the visit's orders: 1 major or contraindicated warning\.$/);
  assert.doesNotMatch(m.answerStatus({ ...demo005, review: null }), /review/);
  assert.match(m.answerStatus({ ...demo005, review: null }), /; 0 major or contraindicated interaction warnings\.$/);
});

// ---------------------------------------------------------------- override reasons (issue 14)

const accept = (medication) => ({ type: "choose", medication, choice: { action: "accept", replacement: null } });
const reason = (r = "will-monitor", comment = null) => ({ reason: r, comment });

test("override rule: accepting a drug in a major finding with a current medication needs a reason; the default does not", () => {
  let s = shown([accept("ATC:J01F")]);
  assert.equal(m.overrideNeed(s.answer, s.choices, "ATC:J01F", s.screens).needed, false, "azithromycin, the default, has no major finding");
  assert.equal(s.choices["ATC:J01F"].action, "accept");
  s = shown([pick("ATC:J01F", drug("ATC:J01FA09"))]);
  const tentative = { ...s.choices, "ATC:J01F": { ...s.choices["ATC:J01F"], action: "accept" } };
  const need = m.overrideNeed(s.answer, tentative, "ATC:J01F", s.screens);
  assert.equal(need.needed, true);
  assert.deepEqual(pairs(need.findings), ["ATC:J01FA10×ATC:J01FA09:major:drug"]);
  assert.equal(need.withheld, false);
  assert.deepEqual(need.unscreened, []);
  assert.equal(need.source, "answer", "within the answer's screening: nothing to check");
  assert.equal(need.combination, null);
});

test("override rule: a proposal is not accepted until its reason is confirmed; the decision carries it", () => {
  let s = shown([pick("ATC:J01F", drug("ATC:J01FA09")), accept("ATC:J01F")]);
  assert.equal(s.choices["ATC:J01F"].action, "none", "not accepted before the reason");
  assert.deepEqual(s.proposals["ATC:J01F"], { action: "accept", replacement: null });
  assert.equal(m.decisionOf(s.answer, s.choices, "", s.screens, s.proposals), "Choose Accept, Reject or Replace for at least one suggestion first.");
  assert.equal(m.unrecordedCount(s), 1, "a proposal is an unrecorded choice");
  s = run([{ type: "confirm_override", medication: "ATC:J01F", override: reason("other", "short course") }], s);
  assert.equal(s.choices["ATC:J01F"].action, "accept");
  assert.deepEqual(s.proposals, {});
  const d = m.decisionOf({ ...s.answer, recommendation_id: 7 }, s.choices, "", s.screens);
  assert.deepEqual(d.decisions, [
    {
      medication: "ATC:J01F",
      action: "accept",
      replacement: null,
      choice: drug("ATC:J01FA09"),
      override_reason: { reason: "other", comment: "short course" },
    },
  ]);
  // Cancel drops the proposal and leaves the item undecided.
  s = run([pick("ATC:B01A", { kind: "class_only" }), accept("ATC:B01A"), { type: "cancel_override", medication: "ATC:B01A" }], s);
  assert.equal(s.choices["ATC:B01A"].action, "none");
  assert.equal(s.proposals["ATC:B01A"], undefined);
});

test("override rule: a new pick keeps a reason given for the same warnings, voids it otherwise", () => {
  let s = shown([
    pick("ATC:J01F", drug("ATC:J01FA09")),
    accept("ATC:J01F"),
    { type: "confirm_override", medication: "ATC:J01F", override: reason() },
  ]);
  // Azithromycin: no warning, the reason is dropped and the item stays accepted.
  s = run([pick("ATC:J01F", drug("ATC:J01FA10"))], s);
  assert.equal(s.choices["ATC:J01F"].action, "accept");
  assert.equal(s.choices["ATC:J01F"].override, undefined);
  // Back to clarithromycin: a new reason is needed, the item goes back to the form.
  s = run([pick("ATC:J01F", drug("ATC:J01FA09"))], s);
  assert.equal(s.choices["ATC:J01F"].action, "none");
  assert.deepEqual(s.proposals["ATC:J01F"], { action: "accept", replacement: null });
});

test("override rule: a replacement outside the screened codes is decided by the check of its combination; a withheld suggestion, rejects", () => {
  const s = shown([]);
  const first = s.answer.recommendation.suggestions[0].medication;
  const replace = { [first]: { action: "replace", replacement: "ATC:Z99ZZ99", pick: null } };
  const combination = [...s.answer.recommendation.current_medications, "ATC:Z99ZZ99"].sort();
  const key = m.screenKey(combination);
  // Not checked yet (or running): not known, nothing asked for beyond what is known.
  for (const screens of [{}, { [key]: { state: "checking" } }]) {
    const need = m.overrideNeed(s.answer, replace, first, screens);
    assert.equal(need.source, "checking");
    assert.deepEqual(need.combination, combination);
    assert.equal(need.needed, false);
    assert.deepEqual(need.unscreened, []);
  }
  // Checked, nothing major: no reason. A moderate finding, or a major one between two other drugs, does not count.
  const f = (a, b, severity) => ({ a, a_role: "checked", b, b_role: "checked", severity, certainty: "drug", rules: [], kind: "interaction", duplicate_class: null });
  const [c1, c2] = s.answer.recommendation.current_medications;
  const quiet = [f(c1, "ATC:Z99ZZ99", "moderate"), f(c1, c2, "major")];
  const clear = m.overrideNeed(s.answer, replace, first, { [key]: { state: "done", findings: quiet } });
  assert.equal(clear.source, "check");
  assert.equal(clear.needed, false);
  assert.deepEqual(clear.findings, []);
  // Checked, a major finding with the replacement: the reason is needed, for that finding.
  const major = f(c1, "ATC:Z99ZZ99", "major");
  const warned = m.overrideNeed(s.answer, replace, first, { [key]: { state: "done", findings: [...quiet, major] } });
  assert.equal(warned.needed, true);
  assert.deepEqual(warned.findings, [major]);
  assert.deepEqual(warned.unscreened, []);
  // The check failed: the reason is required, as before the check existed.
  const failed = m.overrideNeed(s.answer, replace, first, { [key]: { state: "failed", error: unreadable } });
  assert.equal(failed.source, "failed");
  assert.equal(failed.needed, true, "cannot be screened: the reason is required");
  assert.deepEqual(failed.unscreened, ["ATC:Z99ZZ99"]);
  assert.deepEqual(failed.error, unreadable);
  assert.equal(new Set([clear.key, warned.key, failed.key]).size, 3, "a reason is for the warnings it was given for");
  assert.equal(m.overrideNeed(s.answer, { [first]: { action: "reject", replacement: null, pick: null } }, first, {}).needed, false);
  // Safe mode withheld a suggestion: accepting it always needs a reason.
  const withheldAnswer = structuredClone(s.answer);
  const w = withheldAnswer.recommendation.suggestions.find((x) => x.medication === "ATC:J01F");
  w.status = "withheld_interaction";
  const n = m.overrideNeed(withheldAnswer, { "ATC:J01F": { action: "accept", replacement: null, pick: null } }, "ATC:J01F", {});
  assert.equal(n.needed, true);
  assert.equal(n.withheld, true);
  assert.equal(m.overrideNeed(withheldAnswer, { "ATC:J01F": { action: "reject", replacement: null, pick: null } }, "ATC:J01F", {}).needed, false);
});

test("override rule: a choice whose combination is being checked waits as a proposal; the check settles it", () => {
  const replace = (replacement) => ({ type: "choose", medication: "ATC:R03A", choice: { action: "replace", replacement } });
  let s = shown([accept("ATC:A12C"), replace("ATC:Z99ZZ99")]);
  assert.equal(s.choices["ATC:R03A"].action, "none", "not replaced while checked");
  assert.deepEqual(s.proposals["ATC:R03A"], { action: "replace", replacement: "ATC:Z99ZZ99" });
  // One combination to check (the replacement beside the current medications and the accepted
  // class), asked for once.
  const combination = [...answer.recommendation.current_medications, "ATC:A12C", "ATC:Z99ZZ99"].sort();
  assert.deepEqual(m.combinationsToScreen(s), [combination]);
  const key = m.screenKey(combination);
  s = run([{ type: "screen_started", key }], s);
  assert.deepEqual(m.combinationsToScreen(s), []);
  // Recording waits for it, although the accepted class alone could be recorded.
  assert.match(m.decisionOf(s.answer, s.choices, "", s.screens, s.proposals), /^Inhaled airway openers is still being checked/);
  assert.equal(run([{ type: "confirm_override", medication: "ATC:R03A", override: reason() }], s), s, "no reason before the check");
  // No major finding: the replacement counts, without a reason; the check's names are learnt.
  const done = run([{ type: "screen_done", key, check: { findings: [], titles: { "ATC:Z99ZZ99": "Zed" } } }], s);
  assert.deepEqual(done.choices["ATC:R03A"], { action: "replace", replacement: "ATC:Z99ZZ99", pick: null });
  assert.deepEqual(done.proposals, {});
  assert.equal(done.titles["ATC:Z99ZZ99"], "Zed");
  assert.deepEqual(
    m.decisionOf({ ...done.answer, recommendation_id: 2 }, done.choices, "", done.screens, done.proposals).decisions.map((x) => [
      x.medication,
      x.action,
      x.override_reason,
    ]),
    [
      ["ATC:R03A", "replace", null],
      ["ATC:A12C", "accept", null],
    ],
  );
  // A major finding with the replacement: it stays a proposal until its reason is confirmed.
  const major = { a: "ATC:R03AC02", a_role: "checked", b: "ATC:Z99ZZ99", b_role: "checked", severity: "contraindicated", certainty: "drug", rules: [], kind: "interaction", duplicate_class: null };
  let warned = run([{ type: "screen_done", key, check: { findings: [major], titles: {} } }], s);
  assert.equal(warned.choices["ATC:R03A"].action, "none");
  assert.deepEqual(warned.proposals["ATC:R03A"], { action: "replace", replacement: "ATC:Z99ZZ99" });
  warned = run([{ type: "confirm_override", medication: "ATC:R03A", override: reason("benefit-outweighs-risk") }], warned);
  assert.equal(warned.choices["ATC:R03A"].override.reason, "benefit-outweighs-risk");
  assert.deepEqual(m.missingOverrides(warned.answer, warned.choices, warned.screens), []);
  // Another choice beside it makes a new combination: checked again, the reason kept meanwhile and
  // still valid when the check finds the same warning.
  warned = run([accept("ATC:N02B")], warned);
  assert.equal(warned.choices["ATC:R03A"].override.reason, "benefit-outweighs-risk");
  assert.equal(m.combinationsToScreen(warned).length, 1);
  assert.equal(warned.proposals["ATC:N02B"]?.action, "accept", "the new choice waits for its check too");
  warned = checked(warned, () => [major]);
  assert.equal(warned.choices["ATC:N02B"].action, "accept");
  assert.equal(warned.choices["ATC:R03A"].override.reason, "benefit-outweighs-risk");
  assert.deepEqual(m.missingOverrides(warned.answer, warned.choices, warned.screens), []);
  // The check failed: the reason is required; a new answer drops the failure (a new chance) and keeps the findings.
  const failed = run([{ type: "screen_failed", key, error: unreadable }], s);
  assert.deepEqual(failed.proposals["ATC:R03A"], { action: "replace", replacement: "ATC:Z99ZZ99" });
  assert.deepEqual(m.overrideNeed(failed.answer, m.withProposal(failed.choices, "ATC:R03A", failed.proposals["ATC:R03A"]), "ATC:R03A", failed.screens).unscreened, ["ATC:Z99ZZ99"]);
  assert.deepEqual(run([{ type: "suggest_done", answer, teacher: null, key: "k" }], failed).screens, {});
  assert.deepEqual(run([{ type: "suggest_done", answer, teacher: null, key: "k" }], done).screens, done.screens);
});

test("override rule: the reason's checks; the summary counts", () => {
  assert.equal(m.overrideProblem(null, ""), "Choose a reason.");
  assert.equal(m.overrideProblem("other", "  "), "Explain the reason in the comment.");
  assert.equal(m.overrideProblem("other", "x"), null);
  assert.equal(m.overrideProblem("will-monitor", ""), null);
  assert.match(m.overrideProblem("will-monitor", "x".repeat(501)), /at most 500/);
  assert.deepEqual(m.OVERRIDE_REASONS.map((r) => r.label), [
    "Benefit outweighs the risk",
    "Will monitor or adjust the dose",
    "Patient has tolerated the combination before",
    "Alert does not apply to this patient",
    "Other (explain)",
  ]);
  const s = shown([accept("ATC:J01F"), { type: "choose", medication: "ATC:B01A", choice: { action: "reject", replacement: null } }]);
  const total = s.answer.recommendation.suggestions.length;
  assert.equal(m.countsText(m.decisionCounts(s.answer, s.choices)), `Accepted 1, rejected 1, replaced 0, ${total - 2} undecided`);
});
