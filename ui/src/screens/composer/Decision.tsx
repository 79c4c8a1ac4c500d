// The composer's last steps: record the decision on the shown answer (`record_decision`), and,
// for a stored visit, export the visit's latest recorded decision as FHIR (`export_fhir`).

import type { Dispatch } from "preact/hooks";
import { Badge, ErrorBanner } from "../../components";
import { plural } from "../../format";
import type { ComposerAction, ComposerState } from "./state";

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
          {recording ? "Recording…" : "Record decision"}
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
