// The composer's last steps: record the decision on the shown answer (`record_decision`), with a
// summary of what it says (each accepted class with the ingredient chosen), and, for a stored
// visit, export the visit's latest recorded decision as FHIR (`export_fhir`).

import type { Dispatch } from "preact/hooks";
import type { Suggestion } from "../../bindings/Suggestion";
import { Badge, CodeName, ErrorBanner } from "../../components";
import { nameOf, plural, type Titles } from "../../format";
import { type ComposerAction, type ComposerState, type Selection, allTitles, pickOf } from "./state";

const ACTION_WORD = { accept: "Accept", reject: "Reject", replace: "Replace" } as const;

/** What is ordered for an accepted suggestion: "Clarithromycin PO ATC:J01FA09", or "class only". */
function Ordered({ s, c, titles }: { s: Suggestion; c: Selection; titles: Titles }) {
  const pick = pickOf(s, { [s.medication]: c });
  if (pick.kind === "class_only") return <span data-testid="summary-pick">class only, no ingredient chosen</span>;
  const cand = s.candidates.find((x) => x.drug === pick.drug && x.route === pick.route);
  const name = cand?.name ?? nameOf(pick.drug, titles);
  return (
    <span data-testid="summary-pick" data-drug={pick.drug}>
      <strong>{[name, pick.route].filter(Boolean).join(" ")}</strong> <code class="code">{pick.drug}</code>
    </span>
  );
}

/** The decided suggestions, as they will be (or were) recorded. */
function DecisionSummary({ state }: { state: ComposerState }) {
  const { answer, choices } = state;
  if (!answer) return null;
  const titles = allTitles(state);
  const decided = answer.recommendation.suggestions.filter((s) => (choices[s.medication]?.action ?? "none") !== "none");
  if (!decided.length) return null;
  return (
    <div class="decision-summary">
      <h3>{state.recorded !== null ? "Recorded" : "To be recorded"}</h3>
      <ul data-testid="decision-summary">
        {decided.map((s) => {
          const c = choices[s.medication];
          const name = s.name ?? nameOf(s.medication, titles);
          return (
            <li key={s.medication} data-code={s.medication} data-action={c.action} data-override={c.override?.reason}>
              {ACTION_WORD[c.action as keyof typeof ACTION_WORD]} {name}
              {c.action === "accept" ? (
                <>
                  : <Ordered s={s} c={c} titles={titles} />
                </>
              ) : c.action === "replace" ? (
                c.replacement ? (
                  <>
                    {" "}
                    with <CodeName code={c.replacement} titles={titles} />
                  </>
                ) : (
                  " (no replacement chosen yet)"
                )
              ) : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export function DecisionBar({
  state,
  dispatch,
  stale,
  onRecord,
}: {
  state: ComposerState;
  dispatch: Dispatch<ComposerAction>;
  stale: boolean;
  onRecord: () => void;
}) {
  const { recording, recorded, recordMsg } = state;
  return (
    <section aria-labelledby="decide-h" class="panel">
      <h2 id="decide-h">Record the decision</h2>
      <DecisionSummary state={state} />
      <div class="field">
        <label for="decision-note">Note (optional)</label>
        <textarea
          id="decision-note"
          rows={2}
          value={state.note}
          onInput={(e) => dispatch({ type: "note", text: (e.target as HTMLTextAreaElement).value })}
        />
      </div>
      <div class="actions">
        <button
          type="button"
          class="primary"
          onClick={onRecord}
          disabled={recording || recorded !== null || stale}
          data-testid="record-decision"
        >
          {recording ? "Recording…" : "Record decisions…"}
        </button>
        <span role="status" aria-live="polite" data-testid="recorded">
          {recorded !== null ? <Badge tone="ok">Decision recorded (#{recorded})</Badge> : null}
        </span>
      </div>
      {recordMsg ? (
        <p class="form-msg" role="alert" data-testid="record-message">
          {recordMsg}
        </p>
      ) : null}
    </section>
  );
}

export function FhirExportPanel({
  state,
  dispatch,
  onExport,
}: {
  state: ComposerState;
  dispatch: Dispatch<ComposerAction>;
  onExport: () => void;
}) {
  const { exporting, exported, exportError } = state;
  return (
    <section aria-labelledby="export-h" class="panel" data-testid="fhir-export">
      <h2 id="export-h">Export the decision</h2>
      <p class="muted small">
        Writes the latest decision recorded for this visit as a FHIR R4 Bundle into the app's data folder: accepted
        suggestions as draft medication requests, interaction alerts as detected issues, with the visit's diagnoses and
        the decision's provenance.
        {state.recorded === null ? " A decision recorded earlier for this visit can be exported too." : ""}
      </p>
      <div class="actions">
        <button type="button" class="secondary" onClick={onExport} disabled={exporting} data-testid="export-fhir">
          {exporting ? "Exporting…" : "Export as FHIR"}
        </button>
      </div>
      <ErrorBanner error={exportError} onDismiss={() => dispatch({ type: "dismiss_export_error" })} />
      <p class="status-line" role="status" aria-live="polite" data-testid="export-fhir-status" data-file={exported?.file}>
        {exported ? (
          <>
            Saved a FHIR R4 Bundle of decision #{exported.decision_id}:{" "}
            {plural(exported.medication_requests, "medication request")},{" "}
            {plural(exported.detected_issues, "interaction alert")},{" "}
            {plural(exported.conditions, "condition")} → <span class="mono small break">{exported.file}</span>
          </>
        ) : null}
      </p>
    </section>
  );
}
