// Audit: the hash chain's status, then a read-only list of audit events, filtered by kind,
// payload as pretty JSON.

import { useEffect, useState } from "preact/hooks";
import { auditEvents, auditVerify } from "../api";
import { ErrorBanner } from "../components";
import { isRecord, plural } from "../format";
import type { AuditEvent } from "../bindings/AuditEvent";
import type { AuditVerification } from "../bindings/AuditVerification";
import type { IpcError } from "../bindings/IpcError";

const KNOWN_KINDS = ["recommendation", "decision", "import", "import-ddi", "model-install", "model-rollback", "backup"];

function summary(e: AuditEvent): string {
  const p = e.payload;
  if (!isRecord(p)) return "";
  const parts: string[] = [];
  for (const k of ["patient", "admission", "candidate", "source", "file", "reason"]) {
    const v = p[k];
    if (typeof v === "string" || typeof v === "number") parts.push(`${k}: ${v}`);
  }
  const m = p.model;
  if (isRecord(m) && typeof m.id === "string") parts.push(`model: ${m.id}`);
  if (Array.isArray(p.suggestions)) parts.push(plural(p.suggestions.length, "suggestion"));
  if (Array.isArray(p.decisions)) parts.push(plural(p.decisions.length, "decision"));
  return parts.join(" · ");
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
  const [rows, setRows] = useState<AuditEvent[] | null>(null);
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

  const toggle = (id: number) =>
    setOpen((old) => {
      const s = new Set(old);
      if (s.has(id)) s.delete(id);
      else s.add(id);
      return s;
    });

  const kinds = Array.from(new Set([...KNOWN_KINDS, ...(rows ?? []).map((r) => r.kind)]));
  return (
    <section class="screen" aria-labelledby="audit-h">
      <h1 id="audit-h" tabIndex={-1}>
        Audit
      </h1>
      <p class="muted">Read-only record of recommendations, decisions, imports and model changes.</p>
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
                {k}
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
          <table class="data-table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">At</th>
                <th scope="col">Actor</th>
                <th scope="col">Kind</th>
                <th scope="col">Summary</th>
                <th scope="col">Payload</th>
              </tr>
            </thead>
            <tbody>
              {rows.flatMap((e) => {
                const isOpen = open.has(e.id);
                const out = [
                  <tr key={e.id} data-testid="audit-row" data-id={e.id}>
                    <td>{e.id}</td>
                    <td class="nowrap">{e.at}</td>
                    <td>{e.actor}</td>
                    <td>{e.kind}</td>
                    <td class="small">{summary(e)}</td>
                    <td>
                      <button
                        type="button"
                        class="secondary small"
                        aria-expanded={isOpen}
                        aria-controls={isOpen ? `audit-payload-${e.id}` : undefined}
                        onClick={() => toggle(e.id)}
                        data-testid="audit-expand"
                      >
                        {isOpen ? "Hide" : "Show"} <span class="sr-only">payload of event {e.id}</span>
                      </button>
                    </td>
                  </tr>,
                ];
                if (isOpen)
                  out.push(
                    <tr key={`${e.id}-payload`} class="payload-row" id={`audit-payload-${e.id}`}>
                      <td colSpan={6}>
                        <pre class="json" data-testid="audit-payload" tabIndex={0} aria-label={`Payload of event ${e.id}`}>
                          {JSON.stringify(e.payload, null, 2)}
                        </pre>
                      </td>
                    </tr>,
                  );
                return out;
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
