// Test entry page: installs mockIPC (and mocked events) answering every command of
// docs/IPC.md from the samples in src/mocks/ (plus the small hand-made fixtures in
// test/fixtures/), records each call on window.__calls, then loads the real app.
// `recommend` answers DEMO-001 (the timeline sample's patient) with the CLI's answer for it
// (recommend_demo001.json, plus a hand-made NSAID suggestion), DEMO-005 (the second timeline:
// its latest visit starts amiodarone beside the current digoxin) with the CLI's answer for it
// (recommend_demo005.json, whose review of the visit's orders has the major pair), anything
// else with the CLI's answer for DEMO-012 (recommend.json), whose candidates and interactions
// over every choice exercise the ingredient picks. Like the service, an ad-hoc visit's answer
// has no review (a review is of a stored visit's orders).
//
// Who is using the app: the sample user (a clinician) unless the page is opened with
// `?first-start`, where `app_info.user` is null until `set_user` (which checks the name as the
// service does); without a user `recommend` and `record_decision` are refused, as by the service.
// `audit_events` answers `AuditEntry`s: user and role read from the actor, the patient, the
// names of the codes the payload mentions.
//
// Tests steer it through window.__mock: `fail[cmd] = { code, message }` makes that command
// reject; `delay[cmd] = ms` delays its answer.

import { emit } from "@tauri-apps/api/event";
import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import auditSample from "../src/mocks/audit.json";
import checkSample from "../src/mocks/check_interactions.json";
import ddiSourcesSample from "../src/mocks/ddi_sources.json";
import modelsSample from "../src/mocks/models.json";
import patientsSample from "../src/mocks/patients.json";
import timelineSample from "../src/mocks/patient_timeline.json";
import recommendSample from "../src/mocks/recommend.json";
import demo001Sample from "../src/mocks/recommend_demo001.json";
import demo005Sample from "../src/mocks/recommend_demo005.json";
import timeline005Sample from "../src/mocks/patient_timeline_demo005.json";
import teacherSample from "../src/mocks/recommend_teacher.json";
import statsSample from "../src/mocks/stats.json";
import extraCodes from "./fixtures/codes.json";
import fhirImportSample from "./fixtures/import_fhir.json";
import nsaid from "./fixtures/recommend_demo001_nsaid.json";
import type { Answer } from "../src/bindings/Answer";
import type { Code } from "../src/bindings/Code";
import type { AppInfo } from "../src/bindings/AppInfo";
import type { AuditBreak } from "../src/bindings/AuditBreak";
import type { AuditEntry } from "../src/bindings/AuditEntry";
import type { CodeHit } from "../src/bindings/CodeHit";
import type { CodeKind } from "../src/bindings/CodeKind";
import type { Decision } from "../src/bindings/Decision";
import type { DecisionRequest } from "../src/bindings/DecisionRequest";
import type { Evaluation } from "../src/bindings/Evaluation";
import type { FhirExport } from "../src/bindings/FhirExport";
import type { Finding } from "../src/bindings/Finding";
import type { GateReport } from "../src/bindings/GateReport";
import type { ImportSummary } from "../src/bindings/ImportSummary";
import type { IpcError } from "../src/bindings/IpcError";
import type { ModelEntry } from "../src/bindings/ModelEntry";
import type { PatientRecord } from "../src/bindings/PatientRecord";
import type { PatientSummary } from "../src/bindings/PatientSummary";
import type { RecommendRequest } from "../src/bindings/RecommendRequest";
import type { RefineReport } from "../src/bindings/RefineReport";
import type { Stats } from "../src/bindings/Stats";
import type { Suggestion } from "../src/bindings/Suggestion";
import type { User } from "../src/bindings/User";
import type { UserRole } from "../src/bindings/UserRole";
import type { Titles } from "../src/format";

interface Call {
  cmd: string;
  args: unknown;
}
interface MockControl {
  fail: Record<string, IpcError>;
  delay: Record<string, number>;
  /** Makes `audit_verify` report this break. */
  chainBreak?: AuditBreak;
  /** Changes each `recommend` answer before it is recorded and returned. */
  editAnswer?: (a: Answer) => void;
}
declare global {
  interface Window {
    __calls: Call[];
    __mock: MockControl;
  }
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const patients = patientsSample as PatientSummary[];
const timeline = timelineSample as unknown as PatientRecord;
const recommendAnswer = recommendSample as unknown as Answer;
const demo001Answer = demo001Sample as unknown as Answer;
const demo005Answer = demo005Sample as unknown as Answer;
const timeline005 = timeline005Sample as unknown as PatientRecord;
/** The patients whose record the mock holds. */
const timelines = new Map([timeline, timeline005].map((t) => [t.patient.id, t]));
const teacherAnswer = teacherSample as unknown as Answer;
const models = modelsSample as unknown as ModelEntry[];
const audit = auditSample as unknown as AuditEntry[];
const checkFindings = checkSample as unknown as Finding[];
const stats = statsSample as unknown as Stats;

// ---------------------------------------------------------------- code titles for search_codes

const catalogue: Titles = {
  ...timeline.titles,
  ...timeline005.titles,
  ...recommendAnswer.titles,
  ...demo001Answer.titles,
  ...demo005Answer.titles,
  ...teacherAnswer.titles,
  ...extraCodes.titles,
};
for (const s of [
  ...recommendAnswer.recommendation.suggestions,
  ...demo001Answer.recommendation.suggestions,
  ...demo005Answer.recommendation.suggestions,
  ...teacherAnswer.recommendation.suggestions,
])
  if (s.name) catalogue[s.medication] = s.name;

function kindOf(code: string): CodeKind | null {
  const system = code.split(":")[0];
  if (system === "ATC") return "medication";
  if (system === "ICD10CM" || system === "ICD9CM") return "diagnosis";
  if (system === "ICD10PCS" || system === "ICD9PROC") return "procedure";
  return null;
}

function searchCodes(query: string, kind: CodeKind, limit: number): CodeHit[] {
  const q = query.trim().toLowerCase();
  return Object.entries(catalogue)
    .filter(([code, title]) => kindOf(code) === kind && (code.toLowerCase().includes(q) || title.toLowerCase().includes(q)))
    .map(([code, title]) => ({ code, title }))
    .sort((a, b) => a.title.localeCompare(b.title))
    .slice(0, limit);
}

// ---------------------------------------------------------------- models

const active = models.find((m) => m.active)!;

/** Hand-made cross-validation block (the sample manifest has only the held-out split). */
const crossValidation = {
  folds: 5,
  chosen_alpha: 0.5,
  models: {
    student_alpha_0: {
      overall: { prauc: 0.46, jaccard: 0.33, f1: 0.42 },
      first_visit: { prauc: 0.31, jaccard: 0.17, f1: 0.25 },
      with_history: { prauc: 0.58, jaccard: 0.45, f1: 0.55 },
    },
    "student_alpha_0.5": {
      overall: { prauc: 0.5, jaccard: 0.35, f1: 0.44 },
      first_visit: { prauc: 0.28, jaccard: 0.1, f1: 0.14 },
      with_history: { prauc: 0.68, jaccard: 0.56, f1: 0.67 },
    },
    repeat_previous: {
      overall: { prauc: 0.41, jaccard: 0.38, f1: 0.45 },
      first_visit: { prauc: 0.08, jaccard: 0.0, f1: 0.0 },
      with_history: { prauc: 0.62, jaccard: 0.61, f1: 0.7 },
    },
  },
};

/** The person at the keyboard: none on a first start (`?first-start`). */
let user: User | null = new URLSearchParams(location.search).has("first-start")
  ? null
  : { name: "Ana Rivera", role: "clinician" };

const appInfo: AppInfo = {
  version: "0.1.0",
  user: null,
  default_user_name: "arivera",
  db_path: "/home/clinician/.local/share/org.leaderrx.app/leader.sqlite",
  stats,
  model: {
    id: active.id,
    version: active.version,
    kind: active.kind,
    description: "Student refined on the demo store (synthetic patients).",
    threshold: recommendAnswer.recommendation.threshold,
    provenance: { sources: ["demo"], licence: "synthetic demo data", split_seed: 42 },
    metrics: { ...(active.metrics as object), cross_validation: crossValidation },
  },
  teacher: {
    ...teacherAnswer.recommendation.model,
    threshold: teacherAnswer.recommendation.threshold,
    description: "Teacher (fine-tuned language model) used for distillation and comparison.",
    metrics: null,
    provenance: null,
  },
  refine_env: {
    source: "kit",
    kit: { created: "2026-12-01 09:12:44", installed: "2026-12-02 14:03:10", files: 71, lock_sha256: "ab12".repeat(16) },
    folder: "/home/clinician/.local/share/leader-rx/refine-env",
    pipeline_found: true,
  },
};

/** The model-install audit payload of the sample is a GateReport. */
const gateSample = audit.find((e) => e.kind === "model-install")!.payload as unknown as GateReport;

function activeEval(): Evaluation {
  const e = clone(gateSample.candidate_eval!);
  e.report.model = `${active.id} ${active.version}`;
  e.report.overall = { ...e.report.overall, prauc: 0.47, jaccard: 0.33, f1: 0.41 };
  return e;
}

// ---------------------------------------------------------------- recommend

function withNsaid(a: Answer, safeMode: boolean): Answer {
  const out = clone(a);
  const r = out.recommendation;
  const s: Suggestion = { ...(nsaid.suggestion as Suggestion), status: safeMode ? "withheld_interaction" : "suggested" };
  const at = r.suggestions.findIndex((x) => x.medication === nsaid.insert_after);
  r.suggestions.splice(at + 1, 0, s);
  r.interactions.unshift(nsaid.finding as Finding);
  r.interactions_any_choice.unshift(nsaid.finding as Finding);
  r.safe_mode = safeMode;
  out.titles = { ...out.titles, ...nsaid.titles };
  return out;
}

function answerFor(req: RecommendRequest): Answer {
  const subj = req.subject;
  if (req.teacher) {
    const t = clone(teacherAnswer);
    t.recommendation.safe_mode = req.safe_mode;
    return t;
  }
  if (subj.kind === "patient" && subj.patient_id === "DEMO-001") return withNsaid(demo001Answer, req.safe_mode);
  if (subj.kind === "patient" && subj.patient_id === "DEMO-005") {
    const a = clone(demo005Answer);
    a.recommendation.safe_mode = req.safe_mode;
    return a;
  }
  const a = clone(recommendAnswer);
  a.patient_id = subj.kind === "patient" ? subj.patient_id : null;
  a.admission_id = subj.kind === "patient" ? subj.admission_id : null;
  if (subj.kind !== "patient") a.review = null;
  a.recommendation.safe_mode = req.safe_mode;
  return a;
}

// Like the service: every answer is recorded, and a decision refers to the recorded one.
const shown = new Map<number, Answer>();

function recommend(req: RecommendRequest): Answer {
  const a = answerFor(req);
  window.__mock.editAnswer?.(a);
  const id = nextAuditId++;
  a.recommendation_id = id;
  shown.set(id, clone(a));
  const r = a.recommendation;
  record(id, "recommendation", {
    patient_id: a.patient_id,
    admission_id: a.admission_id,
    model: r.model,
    suggestions: r.suggestions.map(({ medication, probability, status, candidates }) => ({
      medication,
      probability,
      status,
      // The teacher's sample lists no candidates.
      candidates: (candidates ?? []).map(({ drug, route }) => ({ drug, route })),
    })),
    current_medications: r.current_medications ?? [],
    interactions: (r.interactions ?? []).map(({ a, b, severity, certainty }) => ({ a, b, severity, certainty })),
    withheld_for_coverage: r.coverage.insufficient,
    safe_mode: r.safe_mode,
  });
  return a;
}

// ---------------------------------------------------------------- interactions

/** What a decision orders: each accepted suggestion's chosen drug (else its class), each replacement. */
function orderedBy(d: DecisionRequest["decisions"]): Code[] {
  return d
    .filter((x) => x.action !== "reject")
    .map((x) =>
      x.action === "replace" ? x.replacement! : x.choice?.kind === "drug" ? x.choice.drug : x.medication,
    );
}

/** Like the service: the findings among what is ordered and the current medications that involve an ordered drug. */
function decidedFindings(a: Answer, ordered: Code[]): Finding[] {
  const screened = new Set([...ordered, ...a.recommendation.current_medications]);
  return a.recommendation.interactions_any_choice.filter(
    (f) => screened.has(f.a) && screened.has(f.b) && (ordered.includes(f.a) || ordered.includes(f.b)),
  );
}

function checkInteractions(codes: string[]) {
  const findings = checkFindings.filter((f) => codes.includes(f.a) && codes.includes(f.b));
  const titles: Titles = {};
  for (const c of codes) if (catalogue[c]) titles[c] = catalogue[c];
  return { findings, titles };
}

// ---------------------------------------------------------------- import

const importSummary: ImportSummary = {
  ...(audit.find((e) => e.kind === "import")!.payload as unknown as ImportSummary),
  source: "mimic-iv",
  // The CSV importers send these empty (the sample predates them).
  resources: {},
  skipped: {},
  unknown_systems: {},
};
/** Hand-made: what importing the MIMIC-IV-on-FHIR demo with the shipped mapping could report. */
const fhirImportSummary = fhirImportSample as ImportSummary;

// ---------------------------------------------------------------- FHIR export

/** The latest recorded decision of the visit as a Bundle: counts as the Rust side would make them. */
function exportFhir(patientId: string, admissionId: string | null): FhirExport {
  const event = recorded.find((e) => {
    if (e.kind !== "decision") return false;
    const d = e.payload as unknown as Decision;
    return d.patient_id === patientId && d.admission_id === admissionId;
  });
  if (!event) throw { code: "not_found", message: "no decision has been recorded for this visit yet" };
  const d = event.payload as unknown as Decision;
  const ordered = orderedBy(d.decisions);
  const answer =
    patientId === "DEMO-001" ? withNsaid(demo001Answer, false) : patientId === "DEMO-005" ? demo005Answer : recommendAnswer;
  const alerts = decidedFindings(answer, ordered).filter((f) => f.severity !== "unknown");
  const visit = timelines.get(patientId)?.visits.find((v) => v.admission_id === admissionId);
  return {
    file: `${appInfo.db_path.replace(/[^/]*$/, "")}fhir/${patientId}_${admissionId ?? "latest"}_decision-${event.id}.json`,
    medication_requests: ordered.length,
    detected_issues: alerts.length,
    conditions: visit?.diagnoses.length ?? 0,
    decision_id: event.id,
  };
}

// ---------------------------------------------------------------- dispatcher

const recorded: AuditEntry[] = [];
let nextAuditId = Math.max(...audit.map((e) => e.id)) + 1;

/** The codes a payload mentions (any `SYSTEM:VALUE` string in it). */
function codesIn(x: unknown, out: Set<string>): Set<string> {
  if (typeof x === "string" && /^(ATC|ICD10CM|ICD9CM|ICD10PCS|ICD9PROC):\S+$/.test(x)) out.add(x);
  else if (Array.isArray(x)) for (const v of x) codesIn(v, out);
  else if (x && typeof x === "object") for (const v of Object.values(x)) codesIn(v, out);
  return out;
}

/** Records an audit event as the service does: the current user as its actor. */
function record(id: number, kind: string, payload: unknown) {
  const titles: Titles = {};
  for (const c of codesIn(payload, new Set())) if (catalogue[c]) titles[c] = catalogue[c];
  const p = payload as { patient_id?: string | null };
  recorded.unshift({
    id,
    at: "2026-11-30 09:00:00",
    actor: user ? `${user.role}:${user.name}` : "unknown",
    user: user?.name ?? "unknown",
    role: user?.role ?? null,
    kind,
    patient_id: p.patient_id ?? null,
    titles,
    payload: payload as never,
  });
}

/** As the service checks a name (leader-core `User::new`). */
function setUser(name: string, role: UserRole): User {
  const n = name.trim();
  const refuse = (message: string): IpcError => ({ code: "invalid_input", message });
  if (!n) throw refuse("give a name");
  if ([...n].length > 80) throw refuse("a name has at most 80 characters");
  if (/\p{Cc}/u.test(n)) throw refuse("a name has no control characters");
  const first = user === null;
  user = { name: n, role };
  record(nextAuditId++, "user", { name: n, role, first });
  return clone(user);
}

const noUser: IpcError = { code: "invalid_input", message: "choose who is using the app first (name and role)" };

const notFound = (what: string): IpcError => ({ code: "not_found", message: `${what} was not found.` });

async function answer(cmd: string, args: Record<string, unknown>): Promise<unknown> {
  switch (cmd) {
    case "app_info":
      return { ...clone(appInfo), user: clone(user) };
    case "set_user":
      return setUser(String(args.name ?? ""), args.role as UserRole);
    case "list_patients": {
      const q = String(args.query ?? "").trim().toLowerCase();
      return patients.filter((p) => !q || p.id.toLowerCase().includes(q));
    }
    case "patient_timeline":
      if (timelines.has(String(args.id))) return clone(timelines.get(String(args.id))!);
      throw notFound("That patient's record (the mock has DEMO-001 and DEMO-005 only)");
    case "search_codes":
      return searchCodes(String(args.query), args.kind as CodeKind, Number(args.limit));
    case "recommend":
      if (!user) throw noUser;
      return recommend(args.request as RecommendRequest);
    case "record_decision": {
      if (!user) throw noUser;
      const req = args.decision as DecisionRequest;
      const a = shown.get(req.recommendation_id);
      if (!a) throw { code: "invalid_input", message: "The decision names no recorded recommendation." };
      // Like the service: a chosen drug is an ingredient (ATC level 5) of the suggested class.
      for (const x of req.decisions)
        if (x.choice?.kind === "drug" && !(x.choice.drug.startsWith(x.medication) && /^ATC:\w{7}$/.test(x.choice.drug)))
          throw { code: "invalid_input", message: `${x.choice.drug} is not an ingredient of ${x.medication}.` };
      const d: Decision = {
        recommendation_id: req.recommendation_id,
        patient_id: a.patient_id,
        admission_id: a.admission_id,
        model: a.recommendation.model,
        suggestions: a.recommendation.suggestions.map(({ medication, probability, status, candidates }) => ({
          medication,
          probability,
          status,
          candidates: candidates.map(({ drug, route }) => ({ drug, route })),
        })),
        decisions: req.decisions,
        note: req.note,
        interactions: decidedFindings(a, orderedBy(req.decisions)).map(({ a, b, severity, certainty }) => ({
          a,
          b,
          severity,
          certainty,
        })),
        shown_interactions: a.recommendation.interactions.map(({ a, b, severity, certainty }) => ({
          a,
          b,
          severity,
          certainty,
        })),
        safe_mode: a.recommendation.safe_mode,
      };
      const id = nextAuditId++;
      record(id, "decision", clone(d));
      return id;
    }
    case "ddi_sources":
      return clone(ddiSourcesSample);
    case "check_interactions":
      return checkInteractions(args.codes as string[]);
    case "evaluate_model":
      return { ...clone(gateSample.candidate_eval!), report: { ...clone(gateSample.candidate_eval!.report), unknown_code_share: 0.034, visits_withheld_for_coverage: 0 } };
    case "list_models":
      return clone(models);
    case "install_model": {
      const dir = String(args.dir);
      if (dir.includes("missing"))
        throw { code: "invalid_input", message: "That folder has no manifest.json: it is not a model bundle." };
      const g = clone(gateSample);
      if (dir.includes("unsigned"))
        return args.allowUnsigned
          ? { ...g, signature: "unsigned", allowed_unsigned: true }
          : {
              ...g,
              installed: false,
              candidate_eval: null,
              vocabulary_coverage: 0,
              signature: "unsigned",
              reason:
                "the bundle is not signed: install only models whose maker you trust, and then with --allow-unsigned (the app: \"Install an unsigned model\"); the choice is written to the audit log",
            };
      if (dir.includes("weak") && args.force)
        return {
          ...g,
          installed: true,
          forced: true,
          active: `${active.id} ${active.version}`,
          active_eval: activeEval(),
          reason: "installed (forced): PRAUC 0.4100 vs active 0.4700",
        };
      if (dir.includes("weak"))
        return {
          ...g,
          installed: false,
          forced: false,
          active: `${active.id} ${active.version}`,
          active_eval: activeEval(),
          reason: "refused: the candidate's PRAUC on this store's held-out visits (0.41) is below the active model's (0.47)",
        };
      return g;
    }
    case "rollback_model":
      if (!models.some((m) => m.previous))
        throw { code: "refused", message: "There is no previous model to roll back to." };
      return { active: null, previous: null };
    case "start_refine":
      void refineScript(Boolean(args.tiny));
      return null;
    case "confirm_install":
      return { ...clone(gateSample), candidate: "leader-student-refined 20261201090000", forced: false };
    case "start_import": {
      const dir = String(args.dir);
      await importScript();
      if (dir.includes("broken"))
        throw {
          code: "invalid_input",
          message: 'admissions.csv line 12: column admittime: "2130-13-45" is not a date (YYYY-MM-DD HH:MM:SS)',
        };
      if (args.kind === "fhir") return clone(fhirImportSummary);
      return { ...clone(importSummary), source: String(args.kind) };
    }
    case "audit_events": {
      const kind = args.kind as string | undefined;
      const limit = Number(args.limit ?? 50);
      return [...recorded, ...clone(audit)].filter((e) => !kind || e.kind === kind).slice(0, limit);
    }
    case "audit_verify": {
      // The sample's chain is intact; a test can break it through window.__mock.chainBreak.
      const events = recorded.length + audit.length;
      const b = window.__mock.chainBreak;
      if (b) return { ok: false, events, verified: b.id - 1, head: null, first_break: b };
      return { ok: true, events, verified: events, head: "3f".repeat(32), first_break: null };
    }
    case "export_fhir":
      return exportFhir(String(args.patientId), (args.admissionId as string | null) ?? null);
    default:
      throw { code: "internal", message: `The mock does not know the command ${cmd}.` };
  }
}

async function refineScript(tiny: boolean) {
  // As src-tauri sends them: a stage starts with (0, total or 0); `skipped` sends (1, 1).
  const stages: [string, number][] = [
    ["export dataset", 3],
    ["teacher", 4],
    ["student", tiny ? 3 : 6],
    ["evaluate", 0],
  ];
  await sleep(30);
  await emit("refine-progress", { stage: "export dataset", done: 1, total: 1, note: "skipped: inputs unchanged" });
  for (const [stage, total] of stages.slice(1)) {
    const n = total || 1;
    for (let done = 0; done <= n; done++) {
      await emit("refine-progress", { stage, done, total, note: done === n && total ? `epoch ${done}` : "" });
      await sleep(15);
    }
  }
  const failure = window.__mock.fail["refine-failed"];
  if (failure) {
    await emit("refine-failed", failure);
    return;
  }
  const report: RefineReport = {
    candidate: "/home/clinician/.local/share/leader-rx/leader.sqlite.refine/candidate",
    skipped_stages: ["export dataset"],
    candidate_eval: clone(gateSample.candidate_eval),
    active_eval: activeEval(),
    gate: null,
  };
  await emit("refine-done", report);
}

async function importScript() {
  const stages: [string, number][] = [
    ["patients", 36],
    ["admissions", 71],
    ["diagnoses", 272],
    ["procedures", 17],
    ["prescriptions", 359],
  ];
  for (const [stage, total] of stages) {
    for (const done of [0, Math.round(total / 2), total]) {
      await emit("import-progress", { stage, done, total, note: "" });
      await sleep(10);
    }
  }
}

window.__calls = [];
window.__mock = { fail: {}, delay: {} };
mockWindows("main");
mockIPC(
  async (cmd, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    window.__calls.push({ cmd, args: clone(args) });
    const delay = window.__mock.delay[cmd];
    if (delay) await sleep(delay);
    const failure = window.__mock.fail[cmd];
    if (failure) throw clone(failure);
    return answer(cmd, args);
  },
  { shouldMockEvents: true },
);

await import("../src/main");
