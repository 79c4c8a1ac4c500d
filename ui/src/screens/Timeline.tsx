// Timeline of one patient: visits in time order with diagnoses, procedures and
// medications (grouped by ATC class), each with its title.

import { useEffect, useState } from "preact/hooks";
import { patientTimeline } from "../api";
import { CodeName, ErrorBanner, SyntheticBadge } from "../components";
import { atcClass, dateOnly, plural } from "../format";
import { useNav } from "../nav";
import type { IpcError } from "../bindings/IpcError";
import type { PatientRecord } from "../bindings/PatientRecord";
import type { Prescription } from "../bindings/Prescription";
import type { Visit } from "../bindings/Visit";
import type { Titles } from "../format";

interface MedGroup {
  /** ATC level-3 class, or null for unmapped / non-ATC rows. */
  cls: string | null;
  rows: Prescription[];
}

export function groupByClass(rx: Prescription[]): MedGroup[] {
  const groups: MedGroup[] = [];
  for (const p of rx) {
    const cls = p.medication ? (atcClass(p.medication) ?? p.medication) : null;
    let g = groups.find((x) => x.cls === cls);
    if (!g) {
      g = { cls, rows: [] };
      groups.push(g);
    }
    g.rows.push(p);
  }
  // Unmapped rows last.
  return [...groups.filter((g) => g.cls !== null), ...groups.filter((g) => g.cls === null)];
}

function VisitCard({
  visit,
  index,
  count,
  titles,
  onSuggest,
}: {
  visit: Visit;
  index: number;
  count: number;
  titles: Titles;
  onSuggest: () => void;
}) {
  const hid = `visit-${visit.admission_id}`;
  return (
    <li class="visit" data-testid="visit" data-admission={visit.admission_id}>
      <section aria-labelledby={hid}>
        <header class="visit-head">
          <h3 id={hid}>
            Visit {index + 1} of {count}: {dateOnly(visit.admit_time)}
            {visit.discharge_time ? ` – ${dateOnly(visit.discharge_time)}` : ""}
          </h3>
          <span class="muted small">
            {visit.admission_id}
            {visit.profile.admission_type ? ` · ${visit.profile.admission_type.toLowerCase()}` : ""}
          </span>
        </header>
        <div class="visit-body">
          <div>
            <h4>Diagnoses</h4>
            {visit.diagnoses.length ? (
              <ul class="code-list" data-testid="diagnoses">
                {visit.diagnoses.map((c) => (
                  <li key={c}>
                    <CodeName code={c} titles={titles} />
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted small">None recorded</p>
            )}
            <h4>Procedures</h4>
            {visit.procedures.length ? (
              <ul class="code-list" data-testid="procedures">
                {visit.procedures.map((c) => (
                  <li key={c}>
                    <CodeName code={c} titles={titles} />
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted small">None recorded</p>
            )}
          </div>
          <div>
            <h4>Medications</h4>
            {visit.prescriptions.length ? (
              <ul class="med-groups" data-testid="medications">
                {groupByClass(visit.prescriptions).map((g) => (
                  <li key={g.cls ?? "unmapped"} class="med-group" data-class={g.cls ?? ""}>
                    <div class="med-class">
                      {g.cls ? (
                        <CodeName code={g.cls} titles={titles} />
                      ) : (
                        <span class="muted">Not mapped to a medication code</span>
                      )}
                    </div>
                    <ul>
                      {g.rows.map((p, i) => (
                        <li key={i} class="med-row">
                          {p.medication ? <CodeName code={p.medication} titles={titles} /> : null}
                          <span class="muted small">
                            {p.drug}
                            {p.route ? ` · ${p.route}` : ""}
                          </span>
                        </li>
                      ))}
                    </ul>
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted small">None recorded</p>
            )}
          </div>
        </div>
        <button
          type="button"
          class="primary"
          onClick={onSuggest}
          data-testid="suggest-for-visit"
          aria-label={`Suggest for this visit: visit ${index + 1}, ${dateOnly(visit.admit_time)}`}
        >
          Suggest for this visit
        </button>
      </section>
    </li>
  );
}

export function Timeline({ id }: { id: string }) {
  const nav = useNav();
  const [record, setRecord] = useState<PatientRecord | null>(null);
  const [error, setError] = useState<IpcError | null>(null);

  useEffect(() => {
    let live = true;
    setRecord(null);
    setError(null);
    patientTimeline(id)
      .then((r) => live && setRecord(r))
      .catch((e: IpcError) => live && setError(e));
    return () => {
      live = false;
    };
  }, [id]);

  if (error) return <ErrorBanner error={error} />;
  if (!record)
    return (
      <p role="status" class="muted">
        Loading {id}…
      </p>
    );
  const visits = [...record.visits].sort((a, b) => a.admit_time.localeCompare(b.admit_time));
  const p = record.patient;
  return (
    <section class="timeline" aria-labelledby="timeline-h" data-testid="timeline">
      <h2 id="timeline-h" tabIndex={-1}>
        {p.id} {p.synthetic ? <SyntheticBadge /> : null}
      </h2>
      <p class="muted">
        {p.sex === "F" ? "Female" : p.sex === "M" ? "Male" : "Sex unknown"}
        {p.birth_year ? ` · born ${p.birth_year}` : ""} · source {p.source} · {plural(visits.length, "visit")}
      </p>
      <ol class="visits" aria-label="Visits, oldest first">
        {visits.map((v, i) => (
          <VisitCard
            key={v.admission_id}
            visit={v}
            index={i}
            count={visits.length}
            titles={record.titles}
            onSuggest={() => nav.openComposer({ record: { ...record, visits }, admission_id: v.admission_id })}
          />
        ))}
      </ol>
    </section>
  );
}
