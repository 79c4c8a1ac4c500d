// Thin typed layer over the Tauri IPC (docs/IPC.md). Screens call these functions only;
// nothing else in the UI imports @tauri-apps/api.
//
// Invoke arguments use camelCase keys at the top level (Tauri's default); the values inside
// (`request`, `decision`) are serde structs and keep their snake_case fields.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { Answer } from "./bindings/Answer";
import type { AppInfo } from "./bindings/AppInfo";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { AuditVerification } from "./bindings/AuditVerification";
import type { CodeHit } from "./bindings/CodeHit";
import type { CodeKind } from "./bindings/CodeKind";
import type { DdiSource } from "./bindings/DdiSource";
import type { DecisionRequest } from "./bindings/DecisionRequest";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { Evaluation } from "./bindings/Evaluation";
import type { FhirExport } from "./bindings/FhirExport";
import type { GateReport } from "./bindings/GateReport";
import type { ImportKind } from "./bindings/ImportKind";
import type { ImportSummary } from "./bindings/ImportSummary";
import type { InteractionCheck } from "./bindings/InteractionCheck";
import type { IpcError } from "./bindings/IpcError";
import type { ModelEntry } from "./bindings/ModelEntry";
import type { PatientRecord } from "./bindings/PatientRecord";
import type { PatientSummary } from "./bindings/PatientSummary";
import type { Pointer } from "./bindings/Pointer";
import type { ProgressEvent } from "./bindings/ProgressEvent";
import type { RecommendRequest } from "./bindings/RecommendRequest";
import type { RefineReport } from "./bindings/RefineReport";
import type { User } from "./bindings/User";
import type { UserRole } from "./bindings/UserRole";

/** Every command of the contract, for the mocked tests' coverage check. */
export const COMMANDS = [
  "app_info",
  "list_patients",
  "patient_timeline",
  "search_codes",
  "recommend",
  "record_decision",
  "check_interactions",
  "ddi_sources",
  "list_models",
  "evaluate_model",
  "install_model",
  "rollback_model",
  "start_refine",
  "confirm_install",
  "start_import",
  "audit_events",
  "export_fhir",
  "audit_verify",
  "set_user",
] as const;
export type Command = (typeof COMMANDS)[number];

export const EVENTS = ["refine-progress", "refine-done", "refine-failed", "import-progress"] as const;

/** Every `ErrorCode`; `satisfies` makes a code added on the Rust side fail the typecheck here. */
const ERROR_CODES = Object.keys({
  not_found: true,
  invalid_input: true,
  model_unavailable: true,
  refused: true,
  busy: true,
  internal: true,
} satisfies Record<ErrorCode, true>) as ErrorCode[];

export function isIpcError(e: unknown): e is IpcError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as IpcError).message === "string" &&
    ERROR_CODES.includes((e as IpcError).code)
  );
}

/** Normalises anything a rejected invoke can carry into `{ code, message }`. */
export function toIpcError(e: unknown): IpcError {
  if (isIpcError(e)) return { code: e.code, message: e.message };
  if (typeof e === "string") return { code: "internal", message: e };
  if (e instanceof Error) return { code: "internal", message: e.message };
  if (typeof e === "object" && e !== null && typeof (e as { message?: unknown }).message === "string") {
    return { code: "internal", message: (e as { message: string }).message };
  }
  return { code: "internal", message: "The application reported an unexpected error." };
}

async function call<T>(cmd: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toIpcError(e);
  }
}

// ---------------------------------------------------------------- commands

export const appInfo = () => call<AppInfo>("app_info");

export const listPatients = (query?: string) =>
  call<PatientSummary[]>("list_patients", query ? { query } : {});

export const patientTimeline = (id: string) => call<PatientRecord>("patient_timeline", { id });

export const searchCodes = (query: string, kind: CodeKind, limit = 10) =>
  call<CodeHit[]>("search_codes", { query, kind, limit });

export const recommend = (request: RecommendRequest) => call<Answer>("recommend", { request });

/** Resolves with the audit event id. */
export const recordDecision = (decision: DecisionRequest) => call<number>("record_decision", { decision });

export const checkInteractions = (codes: string[]) => call<InteractionCheck>("check_interactions", { codes });

/** The loaded interaction sources and their rule counts. */
export const ddiSources = () => call<DdiSource[]>("ddi_sources");

export const listModels = () => call<ModelEntry[]>("list_models");

/** The active model on this store's held-out visits, beside the trivial baselines. */
export const evaluateModel = () => call<Evaluation>("evaluate_model");

export const installModel = (dir: string, allowUnsigned = false, force = false) =>
  call<GateReport>("install_model", { dir, allowUnsigned, force });

export const rollbackModel = () => call<Pointer>("rollback_model");

/** Resolves at once; progress comes as `refine-progress`, the end as `refine-done` or `refine-failed`. */
export const startRefine = (tiny: boolean) => call<null>("start_refine", { tiny });

export const confirmInstall = (candidate: string, force = false) =>
  call<GateReport>("confirm_install", { candidate, force });

/**
 * `systems` matters for `fhir` only: null = the standard HL7 code-system URIs only, "mimic" = the
 * shipped mapping for the MIMIC-IV-on-FHIR code systems, anything else = the path of a mapping file.
 */
export const startImport = (kind: ImportKind, dir: string, systems: string | null = null) =>
  call<ImportSummary>("start_import", { kind, dir, systems });

/**
 * Writes the latest recorded decision for the visit as a FHIR R4 Bundle; rejects with
 * `not_found` when none was recorded.
 */
export const exportFhir = (patientId: string, admissionId: string | null) =>
  call<FhirExport>("export_fhir", { patientId, admissionId });

/** The latest audit events, each with its user, role, patient and the names of the codes it mentions. */
export const auditEvents = (kind: string | null, limit: number) =>
  call<AuditEntry[]>("audit_events", kind ? { kind, limit } : { limit });

/**
 * Sets who is using the app (kept by the backend; every later audit event carries it). Rejects
 * with `invalid_input` for an empty name, one over 80 characters or one with control characters.
 */
export const setUser = (name: string, role: UserRole) => call<User>("set_user", { name, role });

/** Walks the audit log's hash chain: intact, or the first event changed, removed, inserted or reordered. */
export const auditVerify = () => call<AuditVerification>("audit_verify");

// ---------------------------------------------------------------- events

function on<T>(event: (typeof EVENTS)[number], handler: (payload: T) => void): Promise<UnlistenFn> {
  return listen<T>(event, (e) => handler(e.payload));
}

export const onRefineProgress = (h: (p: ProgressEvent) => void) => on("refine-progress", h);
export const onRefineDone = (h: (r: RefineReport) => void) => on("refine-done", h);
export const onRefineFailed = (h: (e: IpcError) => void) =>
  on<unknown>("refine-failed", (e) => h(toIpcError(e)));
export const onImportProgress = (h: (p: ProgressEvent) => void) => on("import-progress", h);

export type { UnlistenFn };
