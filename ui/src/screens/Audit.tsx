// Audit: the hash chain's status, then a read-only list of audit events, filtered by kind: who
// (user and role), when, which patient and a readable summary (drug names from the entry's
// titles), the raw payload collapsed under each.

import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { auditEvents, auditVerify } from "../api";
import { ErrorBanner } from "../components";
import { SEVERITY_LABEL, isRecord, nameOf, plural } from "../format";
import { USER_ROLE_LABEL } from "../user/UserForm";
import { OVERRIDE_LABEL } from "./composer/state";
import type { AuditEntry } from "../bindings/AuditEntry";
import type { AuditVerification } from "../bindings/AuditVerification";
import type { IpcError } from "../bindings/IpcError";
import type { OverrideReason } from "../bindings/OverrideReason";
import type { Severity } from "../bindings/Severity";
import type { Titles } from "../format";

/** The kinds the filter always offers (others appear once the list holds them). */
const KIND_LABEL: Record<string, string> = {
  recommendation: "Recommendation",
  decision: "Decision",
  user: "User set",
  import: "Import",
  "import-ddi": "Interaction import",
  "import-atc-map": "ATC map import",
  "model-install": "Model install",
  "model-rollback": "Model rollback",
  "model-refused": "Model refused",
  backup: "Backup",
};
const kindLabel = (k: string) => KIND_LABEL[k] ?? k;

const HIGH: Severity[] = ["contraindicated", "major"];

const str = (x: unknown): string | null => (typeof x === "string" && x ? x : null);
const list = (x: unknown): Record<string, unknown>[] => (Array.isArray(x) ? x.filter(isRecord) : []);

/** "Major: Warfarin × Ibuprofen" for each contraindicated or major finding of `x`. */
function highFindings(x: unknown, titles: Titles): string[] {
  return list(x)
    .filter((f) => HIGH.includes(f.severity as Severity) && f.certainty !== "class")
    .map((f) => `${SEVERITY_LABEL[f.severity as Severity]}: ${nameOf(String(f.a), titles)} × ${nameOf(String(f.b), titles)}`);
}

function Line({ label, children, testid }: { label: string; children: ComponentChildren; testid?: string }) {
  return (
    <li data-testid={testid}>
      <span class="field-label">{label}</span> {children}
    </li>
  );
}

function recommendationSummary(p: Record<string, unknown>, titles: Titles): ComponentChildren[] {
  const sugg = list(p.suggestions);
  const names = (status: string) =>
    sugg.filter((s) => s.status === status).map((s) => nameOf(String(s.medication), titles));
  const suggested = names("suggested");
  const withheld = names("withheld_interaction");
  const below = names("below_threshold").length;
  const model = isRecord(p.model) ? str(p.model.id) : null;
  const out: ComponentChildren[] = [
    <Line key="s" label={model ? `Suggested by ${model}:` : "Suggested:"} testid="audit-suggested">
      {p.withheld_for_coverage === true
        ? "nothing (the model knew too little of the visit)"
        : suggested.length
          ? suggested.join(", ")
          : "nothing above the threshold"}
      {below ? <span class="muted"> ({below} below the threshold)</span> : null}
    </Line>,
  ];
  if (withheld.length)
    out.push(
      <Line key="w" label="Withheld by safe mode:">
        {withheld.join(", ")}
      </Line>,
    );
  const high = highFindings(p.interactions, titles);
  if (high.length)
    out.push(
      <Line key="h" label="High-severity warnings shown:" testid="audit-high">
        {high.join("; ")}
      </Line>,
    );
  return out;
}

function decisionSummary(p: Record<string, unknown>, titles: Titles): ComponentChildren[] {
  const out: ComponentChildren[] = list(p.decisions).map((d, i) => {
    const med = nameOf(String(d.medication), titles);
    const choice = isRecord(d.choice) ? d.choice : null;
    const o = isRecord(d.override_reason) ? d.override_reason : null;
    const reason = o ? (OVERRIDE_LABEL[o.reason as OverrideReason] ?? String(o.reason)) : null;
    const comment = o ? str(o.comment) : null;
    let what: ComponentChildren;
    if (d.action === "reject") what = <><strong>Rejected</strong> {med}</>;
    else if (d.action === "replace")
      what = (
        <>
          <strong>Replaced</strong> {med} with <strong>{nameOf(String(d.replacement), titles)}</strong>
        </>
      );
    else if (choice?.kind === "drug")
      what = (
        <>
          <strong>Accepted</strong> {med}: <strong>{nameOf(String(choice.drug), titles)}</strong>
          {str(choice.route) ? ` ${String(choice.route)}` : ""}
        </>
      );
    else what = <><strong>Accepted</strong> {med} (class only, no ingredient chosen)</>;
    return (
      <li key={i} data-testid="audit-decision" data-action={String(d.action)}>
        {what}
        {reason ? (
          <span class="audit-override" data-testid="audit-override">
            {" "}
            — override: {reason}
            {comment ? ` (“${comment}”)` : ""}
          </span>
        ) : null}
      </li>
    );
  });
  const high = highFindings(p.interactions, titles);
  if (high.length)
    out.push(
      <Line key="h" label="High-severity interactions:" testid="audit-high">
        {high.join("; ")}
      </Line>,
    );
  if (p.safe_mode === true) out.push(<Line key="m" label="Safe mode:">on</Line>);
  const note = str(p.note);
  if (note)
    out.push(
      <Line key="n" label="Note:">
        {note}
      </Line>,
    );
  return out;
}

/** A readable summary of the event: drug names, not codes, wherever the entry has them. */
function summary(e: AuditEntry): ComponentChildren[] {
  const p = e.payload;
  if (!isRecord(p)) return [];
  if (e.kind === "recommendation") return recommendationSummary(p, e.titles);
  if (e.kind === "decision") return decisionSummary(p, e.titles);
  if (e.kind === "user") {
    const role = USER_ROLE_LABEL[p.role as keyof typeof USER_ROLE_LABEL] ?? String(p.role);
    return [
      <Line key="u" label={p.first === true ? "First user of this computer:" : "User changed to:"}>
        {String(p.name)} ({role})
      </Line>,
    ];
  }
  const parts: string[] = [];
  for (const k of ["candidate", "source", "file", "reason"]) {
    const v = p[k];
    if (typeof v === "string" || typeof v === "number") parts.push(`${k}: ${v}`);
  }
  for (const k of ["patients", "visits", "prescriptions", "pairs"])
    if (typeof p[k] === "number") parts.push(`${p[k]} ${k}`);
  const m = p.model;
  if (isRecord(m) && typeof m.id === "string") parts.push(`model: ${m.id}`);
  return parts.length ? [<li key="g">{parts.join(" · ")}</li>] : [];
}

/** The patient (and visit) the event is about; older records name them `patient`/`admission`. */
function patientOf(e: AuditEntry): { patient: string | null; visit: string | null } {
  const p = isRecord(e.payload) ? e.payload : {};
  return { patient: e.patient_id ?? str(p.patient), visit: str(p.admission_id) ?? str(p.admission) };
}

/** The audit log's hash chain: intact (with the count) or the first broken event. */
function ChainStatus(props: { chain: AuditVerification | null; error: IpcError | null; onVerify: () => void }) {
  const { chain, error, onVerify } = props;
  const again = (
    <button type="button" class="secondary small" onClick={onVerify} data-testid="audit-verify">
      Verify again
    </button>
  );
  if (error)
    return (
      <div class="banner banner-warn" role="status" data-testid="audit-chain" data-state="unknown">
        <p>The audit trail could not be verified: {error.message}</p>
        {again}
      </div>
    );
  if (!chain)
    return (
      <p class="muted small" role="status" data-testid="audit-chain" data-state="checking">
        Verifying the audit trail…
      </p>
    );
  if (chain.ok)
    return (
      <div class="banner banner-info" role="status" data-testid="audit-chain" data-state="intact">
        <p>
          <strong>Audit trail verified: {plural(chain.events, "event")}, chain intact.</strong>{" "}
          {chain.head ? <span class="small mono" title="Hash of the latest event">head {chain.head.slice(0, 16)}…</span> : null}
        </p>
        {again}
      </div>
    );
  const b = chain.first_break;
  return (
    <div class="banner banner-error" role="alert" data-testid="audit-chain" data-state="broken" data-id={b?.id}>
      <p>
        <strong>Audit trail broken at event #{b?.id}</strong> ({b?.problem}): {b?.message}
      </p>
      <p class="small">
        {chain.verified} of {plural(chain.events, "event")} verified before the break. Restore the store from a backup
        and keep this one for investigation.
      </p>
      {again}
    </div>
  );
}

export function Audit() {
  const [kind, setKind] = useState("");
  const [limit, setLimit] = useState(50);
  const [rows, setRows] = useState<AuditEntry[] | null>(null);
  const [open, setOpen] = useState<Set<number>>(new Set());
  const [error, setError] = useState<IpcError | null>(null);

  const load = async () => {
    setError(null);
    try {
      setRows(await auditEvents(kind.trim() || null, Math.max(1, Math.min(1000, limit || 50))));
    } catch (e) {
      setError(e as IpcError);
    }
  };

  const [chain, setChain] = useState<AuditVerification | null>(null);
  const [chainError, setChainError] = useState<IpcError | null>(null);
  const verify = async () => {
    setChain(null);
    setChainError(null);
    try {
      setChain(await auditVerify());
    } catch (e) {
      setChainError(e as IpcError);
    }
  };

  useEffect(() => {
    void load();
    void verify();
  }, []);

  const setOpenTo = (id: number, on: boolean) =>
    setOpen((old) => {
      if (old.has(id) === on) return old;
      const s = new Set(old);
      if (on) s.add(id);
      else s.delete(id);
      return s;
    });

  const kinds = Array.from(new Set([...Object.keys(KIND_LABEL), ...(rows ?? []).map((r) => r.kind)]));
  return (
    <section class="screen" aria-labelledby="audit-h">
      <h1 id="audit-h" tabIndex={-1}>
        Audit
      </h1>
      <p class="muted">
        Read-only record of who did what: recommendations, decisions, users, imports and model changes.
      </p>
      <ChainStatus chain={chain} error={chainError} onVerify={() => void verify()} />
      <form
        class="row panel"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <div class="field">
          <label for="audit-kind">Kind</label>
          <select id="audit-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)} data-testid="audit-kind">
            <option value="">All kinds</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {kindLabel(k)}
              </option>
            ))}
          </select>
        </div>
        <div class="field narrow">
          <label for="audit-limit">Limit</label>
          <input
            id="audit-limit"
            type="number"
            min={1}
            max={1000}
            value={limit}
            onInput={(e) => setLimit(Number((e.target as HTMLInputElement).value))}
            data-testid="audit-limit"
          />
        </div>
        <button type="submit" class="primary" data-testid="audit-refresh">
          Show
        </button>
      </form>
      <ErrorBanner error={error} />
      <p class="muted small" role="status" aria-live="polite" data-testid="audit-count">
        {rows === null ? "Loading…" : plural(rows.length, "event")}
      </p>
      {rows ? (
        <div class="table-scroll">
          <table class="data-table audit-table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Kind</th>
                <th scope="col">Patient</th>
                <th scope="col">Summary</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => {
                const isOpen = open.has(e.id);
                const { patient, visit } = patientOf(e);
                const lines = summary(e);
                const [day, time] = e.at.split(" ");
                return (
                  <tr key={e.id} data-testid="audit-row" data-id={e.id} data-kind={e.kind}>
                    <td>{e.id}</td>
                    <td data-testid="audit-at">
                      <span class="nowrap">{day}</span> <span class="nowrap">{time}</span>
                    </td>
                    <td data-testid="audit-user">{e.user}</td>
                    <td data-testid="audit-role">
                      {e.role ? USER_ROLE_LABEL[e.role] : <span class="muted small">not recorded</span>}
                    </td>
                    <td data-testid="audit-kind-cell">{kindLabel(e.kind)}</td>
                    <td data-testid="audit-patient">
                      {patient ?? <span class="muted">—</span>}
                      {visit ? <span class="small muted audit-visit">{visit}</span> : null}
                    </td>
                    <td class="audit-summary" data-testid="audit-summary">
                      {lines.length ? <ul class="audit-lines">{lines}</ul> : null}
                      <details
                        class="audit-raw"
                        open={isOpen}
                        onToggle={(ev) => setOpenTo(e.id, (ev.currentTarget as HTMLDetailsElement).open)}
                      >
                        <summary data-testid="audit-expand" aria-expanded={isOpen}>
                          Raw payload <span class="sr-only">of event {e.id}</span>
                        </summary>
                        {isOpen ? (
                          <pre class="json" data-testid="audit-payload" tabIndex={0} aria-label={`Payload of event ${e.id}`}>
                            {JSON.stringify(e.payload, null, 2)}
                          </pre>
                        ) : null}
                      </details>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
