// Hand-written types for the IPC contract in docs/IPC.md, matching the JSON the Rust side
// sends (field names exactly as serialised: snake_case, except where IPC.md says otherwise).
//
// Every type the UI uses lives in this one file so that switching to the ts-rs generated
// `src/bindings/*.ts` is a change of this file only (re-export from there). Names and shapes
// follow the Rust types (checked against the bindings generated on 2026-11-30), e.g. `Status`
// for the suggestion status, `Action` / `ItemDecision` / `ShownSuggestion` for decisions,
// `ProgressEvent` for both progress events.

/** `SYSTEM:VALUE`, e.g. `ICD10CM:I4891`, `ATC:B01A`. */
export type Code = string;
/** `YYYY-MM-DD HH:MM:SS` as the store writes it. */
export type Timestamp = string;
/** Any JSON value (serde_json::Value). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

// ---------------------------------------------------------------- errors

export type ErrorCode = "not_found" | "invalid_input" | "model_unavailable" | "refused" | "busy" | "internal";

/** Every command rejects with this shape; `message` is safe to show. */
export interface IpcError {
  code: ErrorCode;
  message: string;
}

// ---------------------------------------------------------------- app / store

export interface Stats {
  patients: number;
  synthetic_patients: number;
  patients_single_visit: number;
  patients_multi_visit: number;
  visits: number;
  diagnoses: number;
  procedures: number;
  prescriptions: number;
  prescriptions_mapped: number;
  /** 0–1 */
  mapped_share: number;
  distinct_medications: number;
  medication_atc_level: number;
  code_titles: number;
  atc_map_rows: number;
  ddi_pairs: number;
  models: number;
  audit_events: number;
  patients_by_source: Record<string, number>;
  /** (drug name as spelled, count) */
  top_unmapped: [string, number][];
}

export type ModelKind = "student" | "teacher" | "fixture";

/** The active (or teacher) model as `app_info` describes it (from its manifest). */
export interface ModelSummary {
  id: string;
  version: string;
  /** "student" | "teacher" | "fixture" */
  kind: string;
  threshold: number;
  description: string;
  metrics: JsonValue;
  provenance: JsonValue;
}

export interface AppInfo {
  version: string;
  /** snake_case on the wire (IPC.md writes `dbPath`; the Rust struct serialises `db_path`). */
  db_path: string;
  stats: Stats;
  model: ModelSummary | null;
  teacher: ModelSummary | null;
}

// ---------------------------------------------------------------- patients

export type Sex = "F" | "M" | "U";

export interface PatientSummary {
  id: string;
  source: string;
  sex: Sex;
  /** Age at the latest visit. */
  age: number | null;
  visits: number;
  last_visit: string | null;
  synthetic: boolean;
}

export interface Patient {
  id: string;
  source: string;
  sex: Sex;
  birth_year: number | null;
  synthetic: boolean;
}

export interface Profile {
  admission_type: string | null;
  insurance: string | null;
  language: string | null;
  marital_status: string | null;
  race: string | null;
}

export interface Prescription {
  drug: string;
  ndc: string | null;
  gsn: string | null;
  formulary_code: string | null;
  route: string | null;
  start: Timestamp | null;
  stop: Timestamp | null;
  /** The code the row was normalised to; null when unmapped (never guessed). */
  medication: Code | null;
}

export interface Visit {
  admission_id: string;
  admit_time: Timestamp;
  discharge_time: Timestamp | null;
  profile: Profile;
  diagnoses: Code[];
  procedures: Code[];
  prescriptions: Prescription[];
}

export type Titles = Record<Code, string>;

export interface PatientRecord {
  patient: Patient;
  visits: Visit[];
  titles: Titles;
}

export type CodeKind = "diagnosis" | "procedure" | "medication";

export interface CodeHit {
  code: Code;
  title: string;
}

// ---------------------------------------------------------------- recommendation

export type Subject =
  | { kind: "patient"; patient_id: string; admission_id: string | null; extra_current: Code[] }
  | {
      kind: "ad_hoc";
      diagnoses: Code[];
      procedures: Code[];
      current: Code[];
      age: number | null;
      sex: Sex;
    };

export interface RecommendRequest {
  subject: Subject;
  safe_mode: boolean;
  top_k: number;
  teacher: boolean;
}

export interface ModelRef {
  id: string;
  version: string;
  kind: ModelKind;
}

/** Suggestion status (Rust `leader_infer::recommend::Status`). */
export type Status = "suggested" | "below_threshold" | "withheld_interaction";

export interface Evidence {
  code: Code;
  /** How much removing this code lowers the probability. */
  delta: number;
}

export interface Suggestion {
  medication: Code;
  name: string | null;
  probability: number;
  status: Status;
  evidence: Evidence[];
}

export type Severity = "unknown" | "moderate" | "major" | "contraindicated";
export type Role = "suggested" | "current" | "checked";
/** `drug`: both drugs fall under the rule; `class`: a class broader than the rule, some members interact. */
export type Certainty = "drug" | "class";

export interface InteractionRule {
  source: string;
  a: Code;
  b: Code;
  severity: Severity;
  mechanism: string | null;
  management: string | null;
  reference: string | null;
}

export interface Finding {
  a: Code;
  a_role: Role;
  b: Code;
  b_role: Role;
  /** The highest severity among the matching rules. */
  severity: Severity;
  certainty: Certainty;
  rules: InteractionRule[];
}

export interface Recommendation {
  model: ModelRef;
  threshold: number;
  suggestions: Suggestion[];
  current_medications: Code[];
  interactions: Finding[];
  unknown_codes: Code[];
  coverage: Coverage;
  safe_mode: boolean;
  latency_ms: number;
}

export interface Coverage {
  diagnoses: number;
  known_diagnoses: number;
  procedures: number;
  known_procedures: number;
  unknown: Code[];
  insufficient: boolean;
}

export interface Answer {
  patient_id: string | null;
  admission_id: string | null;
  recommendation: Recommendation;
  titles: Titles;
  input_digest: string;
  /** The audit event that recorded this answer; a decision names it. */
  recommendation_id: number | null;
}

export type Action = "accept" | "reject" | "replace";

/** A suggestion as it was shown, recorded with the decision. */
export interface ShownSuggestion {
  medication: Code;
  probability: number;
  status: Status;
}

export interface ItemDecision {
  medication: Code;
  action: Action;
  replacement: Code | null;
}

/** What the front-end sends: the recorded recommendation decided on, and the choices. */
export interface DecisionRequest {
  recommendation_id: number;
  decisions: ItemDecision[];
  note: string | null;
}

/** A decision as recorded (model and suggestions from the recorded recommendation). */
export interface Decision {
  recommendation_id: number | null;
  patient_id: string | null;
  admission_id: string | null;
  model: ModelRef;
  suggestions: ShownSuggestion[];
  decisions: ItemDecision[];
  note: string | null;
}

/** A loaded interaction source and how many rules it holds. */
export interface DdiSource {
  name: string;
  description: string;
  licence: string;
  loaded_at: string;
  pairs: number;
}

export interface InteractionCheck {
  findings: Finding[];
  titles: Titles;
}

// ---------------------------------------------------------------- models

export interface ModelEntry {
  name: string;
  id: string;
  version: string;
  kind: string;
  active: boolean;
  previous: boolean;
  bundled: boolean;
  path: string;
  metrics: JsonValue;
}

export interface Scores {
  visits: number;
  jaccard: number;
  prauc: number;
  f1: number;
  avg_drugs: number;
  ddi_rate: number;
}

/** Decision thresholds by group: visits with no earlier visit, and visits with history. */
export interface GroupThresholds {
  first_visit: number;
  with_history: number;
}

export interface EvalReport {
  model: string;
  threshold: number;
  /** The model's thresholds for first visits and visits with history, when it has them. */
  thresholds: GroupThresholds | null;
  overall: Scores;
  first_visit: Scores;
  with_history: Scores;
  safe_mode: Scores | null;
  ground_truth_ddi_rate: number;
  truth_outside_vocabulary: number;
  unknown_code_share: number;
  visits_withheld_for_coverage: number;
  /** Trivial rules scored on the same visits (`leader evaluate --baselines`). */
  baselines: BaselineScores[];
}

/** A trivial rule scored on the same visits as the model: what a model must beat. */
export interface BaselineScores {
  /** `repeat_previous` or `most_frequent`. */
  name: string;
  description: string;
  overall: Scores;
  first_visit: Scores;
  with_history: Scores;
}

export type Split = "train" | "val" | "test";

export interface Evaluation {
  split: Split | null;
  seed: number;
  samples: number;
  adjacency_source: string;
  adjacency_pairs: number;
  /** Synthetic patients left out because the store also holds real ones (never mixed). */
  excluded_synthetic_patients: number;
  report: EvalReport;
}

export interface GateReport {
  candidate: string;
  active: string | null;
  candidate_eval: Evaluation | null;
  active_eval: Evaluation | null;
  /** Share (0–1) of the store's distinct codes the candidate knows. */
  vocabulary_coverage: number;
  installed: boolean;
  forced: boolean;
  reason: string;
  /** The candidate's signature as checked against this store's trusted keys. */
  signature: string;
  /** Installed although unsigned or signed by an untrusted key (the user allowed it). */
  allowed_unsigned: boolean;
}

export interface Pointer {
  active: string | null;
  previous: string | null;
}

export interface RefineReport {
  /** Folder of the candidate bundle; passed back to `confirm_install`. */
  candidate: string;
  skipped_stages: string[];
  candidate_eval: Evaluation | null;
  active_eval: Evaluation | null;
  gate: GateReport | null;
}

/** Payload of the `refine-progress` and `import-progress` events. `total` 0: not known. */
export interface ProgressEvent {
  stage: string;
  done: number;
  total: number;
  note: string;
}

// ---------------------------------------------------------------- import

export type ImportKind = "mimic-iv" | "mimic-iii" | "fhir";

export interface ImportSummary {
  source: string;
  patients: number;
  visits: number;
  diagnoses: number;
  procedures: number;
  prescriptions: number;
  mapped_by_gsn: number;
  mapped_by_ndc: number;
  mapped_by_name: number;
  coded_natively: number;
  unmapped: number;
  titles: number;
  skipped_rows: number;
  codes_without_title: number;
  /** FHIR resources read, by resource type (empty for the CSV importers). */
  resources: Record<string, number>;
  /** Resources or rows not imported, by a plain-language reason. */
  skipped: Record<string, number>;
  /** Codings whose system URI is neither standard nor in the mapping: reported, never guessed. */
  unknown_systems: Record<string, number>;
}

// ---------------------------------------------------------------- FHIR export

/** What `export_fhir` wrote: a FHIR R4 `collection` Bundle of the visit's latest decision. */
export interface FhirExport {
  /** Absolute path of the Bundle (JSON) in the app's data folder. */
  file: string;
  /** Accepted (or replacement) suggestions, as draft MedicationRequests. */
  medication_requests: number;
  /** Interaction alerts, as DetectedIssues. */
  detected_issues: number;
  conditions: number;
  /** Audit event id of the exported decision. */
  decision_id: number;
}

// ---------------------------------------------------------------- audit

export interface AuditEvent {
  id: number;
  at: string;
  actor: string;
  kind: string;
  payload: JsonValue;
}

/** What is wrong at the first broken link of the audit chain. */
export type AuditProblem = "changed" | "removed" | "inserted" | "reordered";

/** The first audit event where the hash chain breaks. */
export interface AuditBreak {
  id: number;
  problem: AuditProblem;
  /** What is wrong, in words (ids only, no payload). */
  message: string;
}

/** `audit_verify`: the audit log's hash chain walked from the first event to the last. */
export interface AuditVerification {
  ok: boolean;
  /** Events in the log. */
  events: number;
  /** Events verified before the first break (all of them when `ok`). */
  verified: number;
  /** The last event's hash when `ok`. */
  head: string | null;
  first_break: AuditBreak | null;
}
