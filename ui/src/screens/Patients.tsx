// Patients: a searchable list; opening one shows its timeline beside the list.

import { useEffect, useRef, useState } from "preact/hooks";
import { listPatients } from "../api";
import { ErrorBanner, SyntheticBadge } from "../components";
import { plural } from "../format";
import type { IpcError } from "../bindings/IpcError";
import type { PatientSummary } from "../bindings/PatientSummary";
import { Timeline } from "./Timeline";

const SEX_LABEL = { F: "Female", M: "Male", U: "Unknown" } as const;

export function Patients({ selected, onSelect }: { selected: string | null; onSelect: (id: string) => void }) {
  const [query, setQuery] = useState("");
  const [rows, setRows] = useState<PatientSummary[] | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const seq = useRef(0);
  const body = useRef<HTMLTableSectionElement>(null);

  useEffect(() => {
    const mine = ++seq.current;
    const timer = setTimeout(
      () => {
        listPatients(query.trim() || undefined)
          .then((r) => {
            if (mine !== seq.current) return;
            setRows(r);
            setError(null);
          })
          .catch((e: IpcError) => mine === seq.current && setError(e));
      },
      query ? 200 : 0,
    );
    return () => clearTimeout(timer);
  }, [query]);

  // Up/Down arrows move between the patients' buttons.
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const buttons = Array.from(body.current?.querySelectorAll<HTMLButtonElement>("button.row-open") ?? []);
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    e.preventDefault();
    const next = e.key === "ArrowDown" ? Math.min(i + 1, buttons.length - 1) : Math.max(i - 1, 0);
    buttons[next]?.focus();
  };

  return (
    <section class="screen patients-screen" aria-labelledby="patients-h">
      <h1 id="patients-h" tabIndex={-1}>
        Patients
      </h1>
      <div class="split">
        <div class="split-list">
          <div class="field">
            <label for="patient-search">Search patients</label>
            <input
              id="patient-search"
              type="search"
              value={query}
              placeholder="Patient id, e.g. DEMO-001"
              onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
              data-testid="patient-search"
            />
          </div>
          <ErrorBanner error={error} />
          <p class="muted small" role="status" aria-live="polite" data-testid="patient-count">
            {rows === null ? "Loading patients…" : plural(rows.length, "patient")}
          </p>
          <div class="table-scroll">
            <table class="data-table" data-testid="patient-list">
              <caption class="sr-only">Patients; use the arrow keys to move between them</caption>
              <thead>
                <tr>
                  <th scope="col">Patient</th>
                  <th scope="col">Age</th>
                  <th scope="col">Sex</th>
                  <th scope="col">Visits</th>
                  <th scope="col">Last visit</th>
                </tr>
              </thead>
              <tbody ref={body} onKeyDown={onKeyDown}>
                {(rows ?? []).map((p) => (
                  <tr
                    key={p.id}
                    data-testid="patient-row"
                    data-id={p.id}
                    class={p.id === selected ? "selected" : ""}
                  >
                    <td>
                      <button
                        type="button"
                        class="row-open"
                        onClick={() => onSelect(p.id)}
                        aria-label={`Open ${p.id}${p.synthetic ? " (synthetic)" : ""}`}
                        aria-pressed={p.id === selected}
                      >
                        {p.id}
                      </button>{" "}
                      {p.synthetic ? <SyntheticBadge /> : null}
                    </td>
                    <td>{p.age ?? "–"}</td>
                    <td>
                      <abbr title={SEX_LABEL[p.sex] ?? p.sex}>{p.sex}</abbr>
                    </td>
                    <td>{p.visits}</td>
                    <td>{p.last_visit ?? "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
        <div class="split-detail">
          {selected ? (
            <Timeline id={selected} />
          ) : (
            <p class="placeholder">Open a patient to see their visits.</p>
          )}
        </div>
      </div>
    </section>
  );
}
