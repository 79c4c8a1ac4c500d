// Import: a MIMIC-IV / MIMIC-III folder → `start_import` with live progress → statistics.

import { useEffect, useRef, useState } from "preact/hooks";
import { onImportProgress, startImport, type UnlistenFn } from "../api";
import { ErrorBanner, KeyValues, ProgressRow } from "../components";
import { mergeProgress, pct } from "../format";
import { useNav } from "../nav";
import type { ImportKind, ProgressEvent, ImportSummary, IpcError } from "../types";

const SUMMARY_LABELS: [keyof ImportSummary, string][] = [
  ["source", "Source"],
  ["patients", "Patients"],
  ["visits", "Visits"],
  ["diagnoses", "Diagnoses"],
  ["procedures", "Procedures"],
  ["prescriptions", "Prescriptions"],
  ["coded_natively", "Medications coded natively"],
  ["mapped_by_ndc", "Mapped by NDC"],
  ["mapped_by_gsn", "Mapped by GSN"],
  ["mapped_by_name", "Mapped by name"],
  ["unmapped", "Not mapped"],
  ["titles", "Code titles"],
  ["codes_without_title", "Codes without a title"],
  ["skipped_rows", "Rows skipped"],
];

export function Import() {
  const nav = useNav();
  const [kind, setKind] = useState<ImportKind>("mimic-iv");
  const [dir, setDir] = useState("");
  const [busy, setBusy] = useState(false);
  const [stages, setStages] = useState<ProgressEvent[]>([]);
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [status, setStatus] = useState("");
  const unlisten = useRef<UnlistenFn | null>(null);

  useEffect(() => () => unlisten.current?.(), []);

  const run = async () => {
    if (!dir.trim()) {
      setStatus("Enter the folder that holds the MIMIC CSV files.");
      return;
    }
    setBusy(true);
    setError(null);
    setSummary(null);
    setStages([]);
    setStatus("Importing…");
    try {
      unlisten.current?.();
      unlisten.current = await onImportProgress((p) =>
        setStages((old) => mergeProgress(old, p)),
      );
      const s = await startImport(kind, dir.trim());
      setSummary(s);
      setStatus(`Import finished: ${s.patients} patients, ${s.visits} visits.`);
      await nav.refreshInfo();
    } catch (e) {
      setError(e as IpcError);
      setStatus("Import failed.");
    } finally {
      unlisten.current?.();
      unlisten.current = null;
      setBusy(false);
    }
  };

  const stats = nav.info?.stats;
  const mapped = summary
    ? summary.coded_natively + summary.mapped_by_ndc + summary.mapped_by_gsn + summary.mapped_by_name
    : 0;
  return (
    <section class="screen" aria-labelledby="import-h">
      <h1 id="import-h" tabIndex={-1}>
        Import
      </h1>
      <p class="muted">
        Imports a credentialed MIMIC download from a local folder into this computer's store. The data never leaves
        this computer.
      </p>
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <fieldset class="plain">
          <legend>Dataset</legend>
          <label class="check">
            <input
              type="radio"
              name="import-kind"
              value="mimic-iv"
              checked={kind === "mimic-iv"}
              onChange={() => setKind("mimic-iv")}
              data-testid="kind-mimic-iv"
            />
            MIMIC-IV
          </label>
          <label class="check">
            <input
              type="radio"
              name="import-kind"
              value="mimic-iii"
              checked={kind === "mimic-iii"}
              onChange={() => setKind("mimic-iii")}
              data-testid="kind-mimic-iii"
            />
            MIMIC-III
          </label>
        </fieldset>
        <div class="row">
          <div class="field grow">
            <label for="import-dir">Folder</label>
            <input
              id="import-dir"
              type="text"
              spellcheck={false}
              value={dir}
              placeholder={kind === "mimic-iv" ? "…/mimic-iv/hosp" : "…/mimic-iii"}
              onInput={(e) => setDir((e.target as HTMLInputElement).value)}
              data-testid="import-dir"
            />
          </div>
          <button type="submit" class="primary" disabled={busy} data-testid="start-import">
            {busy ? "Importing…" : "Import"}
          </button>
        </div>
      </form>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <p class="status-line" role="status" aria-live="polite" data-testid="import-status">
        {status}
      </p>
      {stages.length ? (
        <div class="panel stages" data-testid="import-progress" aria-label="Import progress">
          {stages.map((s) => (
            <ProgressRow key={s.stage} label={s.stage} done={s.done} total={s.total} />
          ))}
        </div>
      ) : null}
      {summary ? (
        <section class="panel" aria-labelledby="import-result-h" data-testid="import-summary">
          <h2 id="import-result-h">Imported</h2>
          <KeyValues
            items={[
              ...SUMMARY_LABELS.map(([k, label]) => [label, String(summary[k])] as [string, string]),
              [
                "Prescriptions mapped to a code",
                summary.prescriptions ? pct(mapped / summary.prescriptions, 1) : "–",
              ],
            ]}
          />
        </section>
      ) : null}
      {stats ? (
        <section class="panel" aria-labelledby="store-h" data-testid="store-stats">
          <h2 id="store-h">This store now</h2>
          <KeyValues
            items={[
              ["Patients", `${stats.patients} (${stats.synthetic_patients} synthetic)`],
              ["By source", Object.entries(stats.patients_by_source).map(([k, v]) => `${k}: ${v}`).join(", ") || "–"],
              ["Visits", String(stats.visits)],
              ["Prescriptions mapped", `${stats.prescriptions_mapped} of ${stats.prescriptions} (${pct(stats.mapped_share, 1)})`],
              ["Distinct medications", `${stats.distinct_medications} (ATC level ${stats.medication_atc_level})`],
              ["Interaction pairs", String(stats.ddi_pairs)],
              ["Store file", <span class="mono small break">{nav.info?.db_path}</span>],
            ]}
          />
          {stats.top_unmapped.length ? (
            <>
              <h3>Most frequent unmapped drug names</h3>
              <ul class="small">
                {stats.top_unmapped.map(([name, n]) => (
                  <li key={name}>
                    {name} <span class="muted">({n})</span>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      ) : null}
    </section>
  );
}
