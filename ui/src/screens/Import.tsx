// Import: a MIMIC-IV / MIMIC-III folder, or FHIR R4 NDJSON / Bundles with a code-system mapping,
// → `start_import` with live progress → statistics (and, for FHIR, resources read, what was
// skipped and the code systems nobody mapped).

import { useEffect, useRef, useState } from "preact/hooks";
import { onImportProgress, startImport, type UnlistenFn } from "../api";
import { ErrorBanner, KeyValues, ProgressRow } from "../components";
import { mergeProgress, pct } from "../format";
import { useNav } from "../nav";
import type { ImportKind } from "../bindings/ImportKind";
import type { ImportSummary } from "../bindings/ImportSummary";
import type { IpcError } from "../bindings/IpcError";
import type { ProgressEvent } from "../bindings/ProgressEvent";

/** The code-system mapping control's choices; `file` sends the path typed beside it. */
type SystemsChoice = "standard" | "mimic" | "file";

const PLACEHOLDER: Record<ImportKind, string> = {
  "mimic-iv": "…/mimic-iv/hosp",
  "mimic-iii": "…/mimic-iii",
  fhir: "…/fhir (folder or file of NDJSON / Bundles)",
};

/** Count tables of the summary, largest first. */
function CountTable({
  caption,
  head,
  counts,
  testid,
  mono,
}: {
  caption: string;
  head: string;
  counts: Record<string, number>;
  testid: string;
  mono?: boolean;
}) {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return (
    <div class="table-scroll">
      <table class="data-table compact" data-testid={testid}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{head}</th>
            <th scope="col" class="num">
              Count
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([k, n]) => (
            <tr key={k} data-key={k}>
              <th scope="row" class={mono ? "mono small break" : ""}>
                {k}
              </th>
              <td class="num">{n}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

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

/** One radio button per `ImportKind` (the generated union: a kind added in Rust fails the typecheck here). */
const KINDS = Object.entries({
  "mimic-iv": "MIMIC-IV",
  "mimic-iii": "MIMIC-III",
  fhir: "FHIR R4 (Bulk Data NDJSON or Bundles)",
} satisfies Record<ImportKind, string>) as [ImportKind, string][];

export function Import() {
  const nav = useNav();
  const [kind, setKind] = useState<ImportKind>("mimic-iv");
  const [dir, setDir] = useState("");
  const [systemsChoice, setSystemsChoice] = useState<SystemsChoice>("standard");
  const [systemsFile, setSystemsFile] = useState("");
  const [busy, setBusy] = useState(false);
  const [stages, setStages] = useState<ProgressEvent[]>([]);
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [status, setStatus] = useState("");
  const unlisten = useRef<UnlistenFn | null>(null);

  useEffect(() => () => unlisten.current?.(), []);

  const run = async () => {
    if (!dir.trim()) {
      setStatus(
        kind === "fhir"
          ? "Enter the folder (or file) that holds the FHIR NDJSON files or Bundles."
          : "Enter the folder that holds the MIMIC CSV files.",
      );
      return;
    }
    let systems: string | null = null;
    if (kind === "fhir") {
      if (systemsChoice === "mimic") systems = "mimic";
      else if (systemsChoice === "file") {
        systems = systemsFile.trim();
        if (!systems) {
          setStatus("Enter the path of the code-system mapping file (TOML).");
          return;
        }
      }
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
      const s = await startImport(kind, dir.trim(), systems);
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
  const resources = summary ? Object.values(summary.resources ?? {}).reduce((a, b) => a + b, 0) : 0;
  const unknownCodings = summary ? Object.values(summary.unknown_systems ?? {}).reduce((a, b) => a + b, 0) : 0;
  const mapped = summary
    ? summary.coded_natively + summary.mapped_by_ndc + summary.mapped_by_gsn + summary.mapped_by_name
    : 0;
  return (
    <section class="screen" aria-labelledby="import-h">
      <h1 id="import-h" tabIndex={-1}>
        Import
      </h1>
      <p class="muted">
        Imports a credentialed MIMIC download, or a hospital's FHIR R4 export (Bulk Data NDJSON or Bundles), from
        this computer into its store. The data never leaves this computer.
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
          {KINDS.map(([value, label]) => (
            <label class="check" key={value}>
              <input
                type="radio"
                name="import-kind"
                value={value}
                checked={kind === value}
                onChange={() => setKind(value)}
                data-testid={`kind-${value}`}
              />
              {label}
            </label>
          ))}
        </fieldset>
        {kind === "fhir" ? (
          <div class="fhir-options" data-testid="fhir-options">
            <div class="row">
              <div class="field">
                <label for="fhir-systems">Code systems</label>
                <select
                  id="fhir-systems"
                  value={systemsChoice}
                  onChange={(e) => setSystemsChoice((e.target as HTMLSelectElement).value as SystemsChoice)}
                  aria-describedby="fhir-systems-hint"
                  data-testid="fhir-systems"
                >
                  <option value="standard">Standard HL7 systems only</option>
                  <option value="mimic">MIMIC-IV on FHIR (shipped mapping)</option>
                  <option value="file">Mapping file…</option>
                </select>
              </div>
              {systemsChoice === "file" ? (
                <div class="field grow">
                  <label for="fhir-systems-file">Mapping file (TOML)</label>
                  <input
                    id="fhir-systems-file"
                    type="text"
                    spellcheck={false}
                    value={systemsFile}
                    placeholder="…/code-systems.toml"
                    onInput={(e) => setSystemsFile((e.target as HTMLInputElement).value)}
                    data-testid="fhir-systems-file"
                  />
                </div>
              ) : null}
            </div>
            <p id="fhir-systems-hint" class="muted small">
              Codings with a standard HL7 code-system URI (ICD-9-CM, ICD-10-CM, NDC, RxNorm, …) are always read. A
              hospital's own code systems, such as MIMIC-IV on FHIR's, need a mapping of their URIs to these systems;
              codings of any other system are counted and reported after the import, never guessed.
            </p>
          </div>
        ) : null}
        <div class="row">
          <div class="field grow">
            <label for="import-dir">{kind === "fhir" ? "Folder or file" : "Folder"}</label>
            <input
              id="import-dir"
              type="text"
              spellcheck={false}
              value={dir}
              placeholder={PLACEHOLDER[kind]}
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
          {summary.prescriptions > 0 && mapped === 0 ? (
            <p class="warning-note" role="note" data-testid="no-drug-map-note">
              No prescription was mapped to a medication code, so the model and the interaction check cannot use
              them yet: this store has no drug → ATC mapping table loaded. Load one with{" "}
              <code>leader import atc-map FILE</code> (see the README); the store then re-maps every prescription
              already imported.
            </p>
          ) : null}
          {Object.keys(summary.resources ?? {}).length ? (
            <CountTable
              caption={`FHIR resources read (${resources})`}
              head="Resource type"
              counts={summary.resources}
              testid="import-resources"
            />
          ) : null}
          {Object.keys(summary.skipped ?? {}).length ? (
            <CountTable caption="Not imported, by reason" head="Reason" counts={summary.skipped} testid="import-skipped" />
          ) : null}
          {Object.keys(summary.unknown_systems ?? {}).length ? (
            <>
              <CountTable
                caption="Unknown code systems"
                head="System URI"
                counts={summary.unknown_systems}
                testid="import-unknown-systems"
                mono
              />
              <p class="small" data-testid="unknown-systems-note">
                These {unknownCodings} codings were not imported: their code system is neither a standard one nor in
                the mapping. To import them, list each URI with the system it stands for (ICD10CM, ATC, NDC, …) in a
                mapping file, choose "Mapping file…" above and import again.
              </p>
            </>
          ) : null}
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
