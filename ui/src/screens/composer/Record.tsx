// Recording the visit's decisions as one action: the sticky bar with the counts and "Record
// decisions…", the summary dialog that records (one `record_decision`), the print-only summary of
// a recorded decision, and the guard that asks before leaving unrecorded choices behind.

import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";
import type { Code } from "../../bindings/Code";
import type { IpcError } from "../../bindings/IpcError";
import type { Suggestion } from "../../bindings/Suggestion";
import type { User } from "../../bindings/User";
import { Badge, CodeName } from "../../components";
import { duplicateText, isDuplicate } from "../../Findings";
import { SEVERITY_LABEL, nameOf, type Titles } from "../../format";
import type { ComposerSeed } from "../../nav";
import {
  type ComposerState,
  type Selection,
  OVERRIDE_LABEL,
  countsText,
  decidedCodes,
  decisionCounts,
  findingsAmong,
  pickOf,
} from "./state";

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog (`<dialog>` shown with `showModal`, so the page behind is inert): Tab and
 * Shift-Tab cycle inside it, Esc closes it (`onClose`), and focus returns where it was.
 */
export function Dialog({
  labelledBy,
  onClose,
  testid,
  children,
}: {
  labelledBy: string;
  onClose: () => void;
  testid: string;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const before = document.activeElement as HTMLElement | null;
    if (!d.open) d.showModal();
    (d.querySelector<HTMLElement>("[autofocus], [data-autofocus]") ?? d.querySelector<HTMLElement>(FOCUSABLE))?.focus();
    const onCancel = (e: Event) => {
      e.preventDefault();
      close.current();
    };
    d.addEventListener("cancel", onCancel);
    return () => {
      d.removeEventListener("cancel", onCancel);
      if (d.open) d.close();
      if (before?.isConnected) before.focus();
    };
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      close.current();
      return;
    }
    if (e.key !== "Tab" || !ref.current) return;
    const items = Array.from(ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((x) => x.offsetParent !== null);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  return (
    <dialog ref={ref} class="modal" aria-labelledby={labelledBy} aria-modal="true" data-testid={testid} onKeyDown={onKeyDown}>
      {children}
    </dialog>
  );
}

/** What a decided item orders, in words: "Clarithromycin PO (ATC:J01FA09)", "class only", the replacement. */
export function orderedText(s: Suggestion, c: Selection, titles: Titles): string {
  if (c.action === "replace") return c.replacement ? `replaced with ${nameOf(c.replacement, titles)} (${c.replacement})` : "";
  if (c.action !== "accept") return "";
  const pick = pickOf(s, { [s.medication]: c });
  if (pick.kind === "class_only") return "class only, no ingredient chosen";
  const cand = s.candidates.find((x) => x.drug === pick.drug && x.route === pick.route);
  return `${[cand?.name ?? nameOf(pick.drug, titles), pick.route].filter(Boolean).join(" ")} (${pick.drug})`;
}

function overrideText(c: Selection): string {
  if (!c.override) return "";
  return OVERRIDE_LABEL[c.override.reason] + (c.override.comment ? ` — “${c.override.comment}”` : "");
}

/** The bar above the suggestions (sticky while scrolling): the counts, Record decisions…, Print summary. */
export function RecordBar({
  state,
  stale,
  onOpen,
  onPrint,
}: {
  state: ComposerState;
  stale: boolean;
  onOpen: () => void;
  onPrint: () => void;
}) {
  const { answer, choices, recorded, recording } = state;
  if (!answer) return null;
  return (
    <div class="record-bar" data-testid="record-bar" role="region" aria-label="Record the decisions">
      <span class="record-counts" data-testid="record-bar-counts">
        {countsText(decisionCounts(answer, choices))}
      </span>
      <button
        type="button"
        class="primary"
        onClick={onOpen}
        disabled={recording || recorded !== null || stale}
        accessKey="r"
        aria-keyshortcuts="Alt+R"
        data-testid="record-open"
      >
        Record decisions…
      </button>
      {recorded !== null ? (
        <>
          <Badge tone="ok">Recorded (#{recorded})</Badge>
          <button type="button" class="secondary" onClick={onPrint} data-testid="print-summary-button">
            Print summary
          </button>
        </>
      ) : null}
      {state.recordMsg ? (
        <span class="form-msg" data-testid="record-bar-message">
          {state.recordMsg}
        </span>
      ) : null}
    </div>
  );
}

/** The summary before saving: the counts, each accepted or replaced item with its drug and override. */
export function RecordDialog({
  state,
  titles,
  error,
  onRecord,
  onBack,
}: {
  state: ComposerState;
  titles: Titles;
  error: IpcError | null;
  onRecord: () => void;
  onBack: () => void;
}) {
  const uid = useId();
  const { answer, choices } = state;
  if (!answer) return null;
  const items = answer.recommendation.suggestions.filter((s) => {
    const a = choices[s.medication]?.action;
    return a === "accept" || a === "replace";
  });
  return (
    <Dialog labelledBy={`${uid}-h`} onClose={onBack} testid="record-dialog">
      <h2 id={`${uid}-h`}>Record the decisions</h2>
      <p data-testid="summary-counts">
        <strong>{countsText(decisionCounts(answer, choices))}</strong>
      </p>
      {items.length ? (
        <ul class="record-items" data-testid="summary-items">
          {items.map((s) => {
            const c = choices[s.medication];
            return (
              <li key={s.medication} data-code={s.medication} data-action={c.action}>
                {c.action === "accept" ? "Accept" : "Replace"} {s.name ?? nameOf(s.medication, titles)}:{" "}
                <span data-testid="summary-ordered">{orderedText(s, c, titles)}</span>
                {c.override ? (
                  <span class="summary-override" data-testid="summary-override" data-reason={c.override.reason}>
                    {" "}
                    · override: {overrideText(c)}
                  </span>
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : (
        <p class="muted">Nothing accepted or replaced.</p>
      )}
      {state.note.trim() ? <p class="small">Note: {state.note.trim()}</p> : null}
      <div class="actions">
        <button
          type="button"
          class="primary"
          onClick={onRecord}
          disabled={state.recording}
          data-autofocus
          data-testid="record-confirm"
        >
          {state.recording ? "Recording…" : "Record"}
        </button>
        <button type="button" class="secondary" onClick={onBack} data-testid="record-back">
          Back
        </button>
        {error ? (
          <span class="form-msg" role="alert" data-testid="record-error">
            Not recorded: {error.message}
          </span>
        ) : null}
      </div>
    </Dialog>
  );
}

/** "You have N unrecorded choices for DEMO-001. Leave without recording?" */
export function LeaveDialog({
  count,
  who,
  onLeave,
  onStay,
}: {
  count: number;
  who: string;
  onLeave: () => void;
  onStay: () => void;
}) {
  const uid = useId();
  return (
    <Dialog labelledBy={`${uid}-h`} onClose={onStay} testid="leave-dialog">
      <h2 id={`${uid}-h`}>Unrecorded choices</h2>
      <p data-testid="leave-text">
        You have {count} unrecorded {count === 1 ? "choice" : "choices"} for {who}. Leave without recording?
      </p>
      <div class="actions">
        <button type="button" class="secondary" onClick={onStay} data-autofocus data-testid="leave-stay">
          Stay
        </button>
        <button type="button" class="danger" onClick={onLeave} data-testid="leave-confirm">
          Leave without recording
        </button>
      </div>
    </Dialog>
  );
}

/** The recorded decision as a printable page (shown only when printing; see the print CSS). */
export function PrintSummary({
  state,
  seed,
  titles,
  user,
  recordedAt,
}: {
  state: ComposerState;
  seed: ComposerSeed | null;
  titles: Titles;
  user: User | null;
  recordedAt: string;
}) {
  const { answer, choices } = state;
  if (!answer || state.recorded === null) return null;
  const rec = answer.recommendation;
  const screened = new Set<Code>([...rec.current_medications, ...decidedCodes(answer, choices)]);
  const findings = findingsAmong(answer, screened).filter((f) => f.severity !== "unknown");
  const m = rec.model;
  return (
    <section class="print-summary" data-testid="print-summary" aria-label="Printable decision summary">
      <h1>LEADER Rx — decision summary</h1>
      <table class="print-facts">
        <tbody>
          <tr>
            <th scope="row">Patient</th>
            <td data-testid="print-patient">{seed?.record.patient.id ?? answer.patient_id ?? "ad-hoc visit (no stored patient)"}</td>
          </tr>
          <tr>
            <th scope="row">Visit</th>
            <td data-testid="print-visit">{seed?.admission_id ?? answer.admission_id ?? "ad-hoc"}</td>
          </tr>
          <tr>
            <th scope="row">Date</th>
            <td data-testid="print-date">{recordedAt}</td>
          </tr>
          <tr>
            <th scope="row">Model</th>
            <td data-testid="print-model">
              {m.id} {m.version} ({String(m.kind)}){rec.safe_mode ? ", safe mode" : ""}
            </td>
          </tr>
          <tr>
            <th scope="row">Recorded by</th>
            <td data-testid="print-recorder">{user ? `${user.name} (${user.role})` : "not set"}</td>
          </tr>
          <tr>
            <th scope="row">Decision</th>
            <td>#{state.recorded}</td>
          </tr>
        </tbody>
      </table>
      <h2>Suggestions and decisions</h2>
      <table class="print-items" data-testid="print-items">
        <thead>
          <tr>
            <th scope="col">Suggestion</th>
            <th scope="col">Decision</th>
            <th scope="col">Ordered</th>
            <th scope="col">Override reason</th>
          </tr>
        </thead>
        <tbody>
          {rec.suggestions.map((s) => {
            const c = choices[s.medication];
            const action = c?.action ?? "none";
            return (
              <tr key={s.medication} data-code={s.medication} data-action={action}>
                <td>
                  {s.name ?? nameOf(s.medication, titles)} ({s.medication})
                </td>
                <td>{{ none: "undecided", accept: "accepted", reject: "rejected", replace: "replaced" }[action]}</td>
                <td>{c ? orderedText(s, c, titles) : ""}</td>
                <td data-testid="print-override">{c ? overrideText(c) : ""}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>Interaction findings of what was decided</h2>
      {findings.length ? (
        <ul data-testid="print-findings">
          {findings.map((f) => (
            <li key={`${f.a}|${f.b}`}>
              {SEVERITY_LABEL[f.severity]}
              {f.certainty === "class" ? " (class-level, possible)" : ""}: {isDuplicate(f) ? `${duplicateText(f)}, ` : ""}
              <CodeName code={f.a} titles={titles} /> × <CodeName code={f.b} titles={titles} />
            </li>
          ))}
        </ul>
      ) : (
        <p data-testid="print-findings">
          No graded interaction was found among what was decided and the current medications. This is not proof that
          the combination is safe.
        </p>
      )}
      {state.note.trim() ? <p>Note: {state.note.trim()}</p> : null}
      <p class="small">Suggestions are decision support; the prescriber decides.</p>
    </section>
  );
}

// ---------------------------------------------------------------- leaving with unrecorded choices

interface LeaveGuard {
  /** How many choices would be lost. */
  count: () => number;
  /** Asks the user; calls `proceed` if they leave. */
  ask: (proceed: () => void) => void;
}

let guard: LeaveGuard | null = null;

/** Installs the mounted composer's guard (one composer at a time); returns its removal. */
export function installLeaveGuard(g: LeaveGuard): () => void {
  guard = g;
  return () => {
    if (guard === g) guard = null;
  };
}

/**
 * Navigation away from the composer goes through here: `proceed` runs at once when the composer
 * is not shown or nothing is unrecorded, otherwise after the user confirms leaving. The shell's
 * navigation (App.tsx `go` and `openComposer`) can call it; meanwhile the composer intercepts the
 * sidebar's buttons itself (see Composer.tsx).
 */
export function leaveComposer(proceed: () => void): void {
  if (guard && guard.count() > 0) guard.ask(proceed);
  else proceed();
}
