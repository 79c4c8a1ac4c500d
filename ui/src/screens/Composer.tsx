// Visit composer: a stored visit or an ad-hoc one → `recommend` → ranked suggestions with
// evidence and interaction warnings → per-suggestion decisions → `record_decision`; for a stored
// visit, the latest recorded decision → `export_fhir` (a FHIR R4 Bundle in the app's data folder).

import { useId, useMemo, useState } from "preact/hooks";
import { exportFhir, recommend, recordDecision } from "../api";
import { CodeChips, CodePicker } from "../CodePicker";
import {
  Badge,
  CodeName,
  ErrorBanner,
  ModelKindBadge,
  ProbabilityBar,
  SeverityTag,
  StatusBadge,
  SyntheticBadge,
} from "../components";
import { FindingsList, findingId } from "../Findings";
import { ROLE_LABEL, dateOnly, nameOf, pct, plural, severityRank } from "../format";
import { type ComposerSeed, useNav } from "../nav";
import type { Action } from "../bindings/Action";
import type { Answer } from "../bindings/Answer";
import type { Code } from "../bindings/Code";
import type { CodeHit } from "../bindings/CodeHit";
import type { DecisionRequest } from "../bindings/DecisionRequest";
import type { FhirExport } from "../bindings/FhirExport";
import type { Finding } from "../bindings/Finding";
import type { IpcError } from "../bindings/IpcError";
import type { Recommendation } from "../bindings/Recommendation";
import type { Sex } from "../bindings/Sex";
import type { Subject } from "../bindings/Subject";
import type { Suggestion } from "../bindings/Suggestion";
import type { Titles } from "../format";

/** How many suggestions below the threshold the model lists as well. */
const TOP_K = 5;

export const DISCLAIMER = "Suggestions are decision support; the prescriber decides.";

type Choice = { action: Action | "none"; replacement: Code | null };

const ACTION_LABEL: Record<Choice["action"], string> = {
  none: "Undecided",
  accept: "Accept",
  reject: "Reject",
  replace: "Replace",
};

function addUnique(list: Code[], code: Code): Code[] {
  return list.includes(code) ? list : [...list, code];
}

function warningsFor(med: Code, findings: Finding[]): { f: Finding; other: Code; otherRole: Finding["a_role"] }[] {
  return findings
    .filter((f) => f.severity !== "unknown")
    .filter((f) => (f.a === med && f.a_role === "suggested") || (f.b === med && f.b_role === "suggested"))
    .sort((x, y) => severityRank(y.severity) - severityRank(x.severity))
    .map((f) => (f.a === med ? { f, other: f.b, otherRole: f.b_role } : { f, other: f.a, otherRole: f.a_role }));
}

function DecisionControls({
  s,
  name,
  choice,
  onChange,
  titles,
  onTitles,
}: {
  s: Suggestion;
  name: string;
  choice: Choice;
  onChange: (c: Choice) => void;
  titles: Titles;
  onTitles: (hit: CodeHit) => void;
}) {
  const uid = useId();
  return (
    <fieldset class="decision" data-testid="decision">
      <legend>Decision for {name}</legend>
      <div class="segmented">
        {(["none", "accept", "reject", "replace"] as const).map((a) => (
          <label key={a} class={`seg seg-${a}${choice.action === a ? " checked" : ""}`}>
            <input
              type="radio"
              name={`decision-${uid}`}
              value={a}
              checked={choice.action === a}
              onChange={() => onChange({ action: a, replacement: a === "replace" ? choice.replacement : null })}
              data-testid={`decision-${a}`}
            />
            {ACTION_LABEL[a]}
          </label>
        ))}
      </div>
      {choice.action === "replace" ? (
        choice.replacement ? (
          <p class="replacement" data-testid="replacement">
            Replace with <CodeName code={choice.replacement} titles={titles} />{" "}
            <button type="button" class="secondary small" onClick={() => onChange({ action: "replace", replacement: null })}>
              Change
            </button>
          </p>
        ) : (
          <CodePicker
            kind="medication"
            label={`Replacement for ${name}`}
            exclude={[s.medication]}
            testid="replacement-picker"
            onPick={(hit) => {
              onTitles(hit);
              onChange({ action: "replace", replacement: hit.code });
            }}
          />
        )
      ) : null}
    </fieldset>
  );
}

function SuggestionCard({
  s,
  rank,
  answer,
  titles,
  compact,
  choice,
  onChoice,
  onTitles,
}: {
  s: Suggestion;
  rank: number;
  answer: Answer;
  titles: Titles;
  compact?: boolean;
  choice?: Choice;
  onChoice?: (c: Choice) => void;
  onTitles?: (hit: CodeHit) => void;
}) {
  const rec = answer.recommendation;
  const name = s.name ?? nameOf(s.medication, titles);
  const warnings = warningsFor(s.medication, rec.interactions);
  return (
    <li class={`suggestion status-${s.status}`} data-testid="suggestion" data-code={s.medication} data-status={s.status}>
      <div class="sugg-head">
        <span class="rank" aria-hidden="true">
          {rank}
        </span>
        <h3 class="sugg-name">
          <span class="sr-only">Rank {rank}: </span>
          {name} <code class="code">{s.medication}</code>
        </h3>
        <StatusBadge status={s.status} />
      </div>
      <div class={compact ? "" : "sugg-body"}>
        <div class="sugg-main">
          <div class="sugg-prob">
            <ProbabilityBar probability={s.probability} threshold={rec.threshold} />
            <span class="muted small">threshold {pct(rec.threshold)}</span>
          </div>
          {warnings.length ? (
            <ul class="sugg-warnings" data-testid="suggestion-warnings" aria-label={`Interaction warnings for ${name}`}>
              {warnings.map(({ f, other, otherRole }) => (
                <li key={`${f.a}|${f.b}`} data-severity={f.severity}>
                  <SeverityTag severity={f.severity} /> with <strong>{nameOf(other, titles)}</strong>
                  {ROLE_LABEL[otherRole] ? ` (${ROLE_LABEL[otherRole]})` : ""} ·{" "}
                  {f.certainty === "drug" ? "drug-level" : "class-level"}
                  {compact ? null : (
                    <>
                      {" · "}
                      <a href={`#${findingId(f)}`}>details</a>
                    </>
                  )}
                </li>
              ))}
            </ul>
          ) : null}
          {!compact && s.evidence.length ? (
            <div class="evidence" data-testid="evidence">
              <h4>Evidence: probability points lost without each input</h4>
              <ul>
                {s.evidence.map((e) => (
                  <li key={e.code}>
                    <CodeName code={e.code} titles={titles} />{" "}
                    <span class="delta" data-testid="delta">
                      +{(e.delta * 100).toFixed(1)} pts
                    </span>
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
        </div>
        {!compact && choice && onChoice && onTitles ? (
          <div class="sugg-side">
            <DecisionControls s={s} name={name} choice={choice} onChange={onChoice} titles={titles} onTitles={onTitles} />
          </div>
        ) : null}
      </div>
    </li>
  );
}

function ListHeader({ label, answer, testid }: { label: string; answer: Answer; testid: string }) {
  const m = answer.recommendation.model;
  return (
    <header class="list-head">
      <h2 id={`${testid}-h`}>{label}</h2>
      <p class="muted small">
        {m.id} <span class="mono">{m.version}</span> <ModelKindBadge kind={String(m.kind)} /> ·{" "}
        <span data-testid="latency">{answer.recommendation.latency_ms.toFixed(1)} ms</span>
        {answer.recommendation.safe_mode ? " · safe mode" : ""}
      </p>
    </header>
  );
}

function ageAt(seed: ComposerSeed): number | null {
  const v = seed.record.visits.find((x) => x.admission_id === seed.admission_id);
  const by = seed.record.patient.birth_year;
  if (!v || !by) return null;
  return Math.max(0, Math.min(90, Number(v.admit_time.slice(0, 4)) - by));
}

export function Composer({ seed }: { seed: ComposerSeed | null }) {
  const nav = useNav();
  const teacher = nav.info?.teacher ?? null;

  const visitIndex = seed ? seed.record.visits.findIndex((v) => v.admission_id === seed.admission_id) : -1;
  const visit = seed && visitIndex >= 0 ? seed.record.visits[visitIndex] : null;
  const previousMeds = useMemo(() => {
    if (!seed || visitIndex <= 0) return [] as Code[];
    const out: Code[] = [];
    for (const p of seed.record.visits[visitIndex - 1].prescriptions)
      if (p.medication && !out.includes(p.medication)) out.push(p.medication);
    return out;
  }, [seed, visitIndex]);

  const [mode, setMode] = useState<"patient" | "ad_hoc">(visit ? "patient" : "ad_hoc");
  const [extraCurrent, setExtraCurrent] = useState<Code[]>([]);
  const [diagnoses, setDiagnoses] = useState<Code[]>([]);
  const [procedures, setProcedures] = useState<Code[]>([]);
  const [current, setCurrent] = useState<Code[]>([]);
  const [age, setAge] = useState<string>("");
  const [sex, setSex] = useState<Sex>("U");
  const [titles, setTitles] = useState<Titles>(seed ? { ...seed.record.titles } : {});
  const [safeMode, setSafeMode] = useState(false);
  const [compare, setCompare] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const [formMsg, setFormMsg] = useState("");
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [teacherAnswer, setTeacherAnswer] = useState<Answer | null>(null);
  const [choices, setChoices] = useState<Record<Code, Choice>>({});
  const [note, setNote] = useState("");
  const [recordMsg, setRecordMsg] = useState("");
  const [recording, setRecording] = useState(false);
  const [recorded, setRecorded] = useState<number | null>(null);
  const [status, setStatus] = useState("");
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState<FhirExport | null>(null);
  const [exportError, setExportError] = useState<IpcError | null>(null);
  // Text typed into a search box but not added: Suggest refuses to run past it.
  const [pending, setPending] = useState<Record<string, string>>({});
  const pendingIn = (box: string) => (text: string) => setPending((p) => ({ ...p, [box]: text }));
  // What the shown answer was computed from; any change marks the answer stale.
  const inputKey = JSON.stringify([mode, seed?.admission_id ?? null, extraCurrent, diagnoses, procedures, current, age, sex, safeMode, compare]);
  const [answeredKey, setAnsweredKey] = useState<string | null>(null);
  const stale = answer !== null && answeredKey !== inputKey;

  const learn = (hit: CodeHit) => {
    if (hit.title) setTitles((t) => ({ ...t, [hit.code]: hit.title }));
  };
  const allTitles: Titles = { ...titles, ...(teacherAnswer?.titles ?? {}), ...(answer?.titles ?? {}) };

  const switchToAdHoc = () => {
    if (visit) {
      setDiagnoses([...visit.diagnoses]);
      setProcedures([...visit.procedures]);
      setCurrent([...previousMeds, ...extraCurrent.filter((c) => !previousMeds.includes(c))]);
      const a = seed ? ageAt(seed) : null;
      setAge(a === null ? "" : String(a));
      setSex(seed?.record.patient.sex ?? "U");
    }
    setMode("ad_hoc");
    setAnswer(null);
    setTeacherAnswer(null);
  };

  const subject = (): Subject | string => {
    if (mode === "patient" && seed) {
      return {
        kind: "patient",
        patient_id: seed.record.patient.id,
        admission_id: seed.admission_id,
        extra_current: extraCurrent,
      };
    }
    if (!diagnoses.length && !procedures.length && !current.length)
      return "Add at least one diagnosis, procedure or current medication.";
    let a: number | null = null;
    if (age.trim() !== "") {
      a = Number(age);
      if (!Number.isInteger(a) || a < 0 || a > 120) return "Age must be a whole number of years between 0 and 120.";
    }
    return { kind: "ad_hoc", diagnoses, procedures, current, age: a, sex };
  };

  const suggest = async () => {
    const unadded = Object.entries(pending).find(([, text]) => text !== "");
    if (unadded) {
      setFormMsg(
        `"${unadded[1]}" was typed into ${unadded[0]} but not added: choose it from the list (or clear the box) before suggesting.`,
      );
      return;
    }
    const subj = subject();
    setFormMsg("");
    if (typeof subj === "string") {
      setFormMsg(subj);
      return;
    }
    const key = inputKey;
    setBusy(true);
    setError(null);
    setRecorded(null);
    setStatus("Asking the model…");
    try {
      const withTeacher = compare && teacher !== null;
      const [a, t] = await Promise.all([
        recommend({ subject: subj, safe_mode: safeMode, top_k: TOP_K, teacher: false }),
        withTeacher ? recommend({ subject: subj, safe_mode: safeMode, top_k: TOP_K, teacher: true }) : Promise.resolve(null),
      ]);
      setAnswer(a);
      setTeacherAnswer(t);
      setAnsweredKey(key);
      setChoices({});
      const high = a.recommendation.interactions.filter((f) => f.severity === "major" || f.severity === "contraindicated").length;
      const above = a.recommendation.suggestions.filter((s) => s.status === "suggested").length;
      setStatus(
        `${plural(a.recommendation.suggestions.length, "suggestion")} (${above} above the threshold) in ` +
          `${a.recommendation.latency_ms.toFixed(0)} ms; ${plural(high, "major or contraindicated interaction warning")}.`,
      );
    } catch (e) {
      setError(e as IpcError);
      setStatus("");
    } finally {
      setBusy(false);
    }
  };

  const setChoice = (med: Code, c: Choice) => {
    setChoices((old) => ({ ...old, [med]: c }));
    setRecorded(null);
    setRecordMsg("");
  };

  const record = async () => {
    if (!answer) return;
    setRecordMsg("");
    const rec = answer.recommendation;
    const decided = rec.suggestions.filter((s) => (choices[s.medication]?.action ?? "none") !== "none");
    if (!decided.length) {
      setRecordMsg("Choose Accept, Reject or Replace for at least one suggestion first.");
      return;
    }
    const missing = decided.find((s) => choices[s.medication].action === "replace" && !choices[s.medication].replacement);
    if (missing) {
      setRecordMsg(`Choose a replacement for ${missing.name ?? missing.medication}.`);
      return;
    }
    if (answer.recommendation_id === null) {
      setRecordMsg("This answer was not recorded, so a decision cannot refer to it; press Suggest again.");
      return;
    }
    const decision: DecisionRequest = {
      recommendation_id: answer.recommendation_id,
      decisions: decided.map((s) => ({
        medication: s.medication,
        action: choices[s.medication].action as Action,
        replacement: choices[s.medication].action === "replace" ? choices[s.medication].replacement : null,
      })),
      note: note.trim() || null,
    };
    setRecording(true);
    setError(null);
    try {
      setRecorded(await recordDecision(decision));
      setExported(null);
      setExportError(null);
    } catch (e) {
      setError(e as IpcError);
    } finally {
      setRecording(false);
    }
  };

  const exportBundle = async () => {
    if (!seed) return;
    setExporting(true);
    setExported(null);
    setExportError(null);
    try {
      setExported(await exportFhir(seed.record.patient.id, seed.admission_id));
    } catch (e) {
      setExportError(e as IpcError);
    } finally {
      setExporting(false);
    }
  };

  const patient = seed?.record.patient;
  return (
    <section class="screen composer" aria-labelledby="composer-h">
      <h1 id="composer-h" tabIndex={-1}>
        Visit composer
      </h1>
      <p class="disclaimer" data-testid="disclaimer">
        <strong>{DISCLAIMER}</strong>
      </p>

      <form
        class="composer-form"
        onSubmit={(e) => {
          e.preventDefault();
          void suggest();
        }}
      >
        {mode === "patient" && seed && visit && patient ? (
          <fieldset class="panel" data-testid="visit-subject">
            <legend>Stored visit</legend>
            <p>
              Patient <strong>{patient.id}</strong> {patient.synthetic ? <SyntheticBadge /> : null} · visit{" "}
              <span class="mono">{visit.admission_id}</span> · {dateOnly(visit.admit_time)}
            </p>
            <p class="muted small">
              The model uses this visit's diagnoses and procedures, the earlier visits as history, and the previous
              visit's medications as current medications.
            </p>
            <div class="two-col">
              <div>
                <h3>Diagnoses</h3>
                <CodeChips codes={visit.diagnoses} titles={allTitles} label="Diagnoses of this visit" />
                <h3>Procedures</h3>
                <CodeChips codes={visit.procedures} titles={allTitles} label="Procedures of this visit" />
              </div>
              <div>
                <h3>Current medications (previous visit)</h3>
                <CodeChips
                  codes={previousMeds}
                  titles={allTitles}
                  label="Current medications from the previous visit"
                  empty="None (first visit)"
                />
                <h3>Other current medications</h3>
                <CodeChips
                  codes={extraCurrent}
                  titles={allTitles}
                  label="Other current medications"
                  onRemove={(c) => setExtraCurrent((l) => l.filter((x) => x !== c))}
                  testid="extra-current"
                />
                <CodePicker
                  kind="medication"
                  label="Add a current medication"
                  onPending={pendingIn("the current-medication search")}
                  exclude={[...previousMeds, ...extraCurrent]}
                  testid="extra-current-picker"
                  onPick={(h) => {
                    learn(h);
                    setExtraCurrent((l) => addUnique(l, h.code));
                  }}
                />
              </div>
            </div>
            <button type="button" class="secondary" onClick={switchToAdHoc}>
              Edit codes as an ad-hoc visit
            </button>
          </fieldset>
        ) : (
          <fieldset class="panel" data-testid="adhoc-subject">
            <legend>Ad-hoc visit</legend>
            {seed ? (
              <p class="muted small">
                Started from {seed.record.patient.id} / {seed.admission_id}; earlier visits are not used as history.
              </p>
            ) : null}
            <div class="row">
              <div class="field narrow">
                <label for="adhoc-age">Age (years)</label>
                <input
                  id="adhoc-age"
                  type="number"
                  min={0}
                  max={120}
                  step={1}
                  value={age}
                  onInput={(e) => setAge((e.target as HTMLInputElement).value)}
                  data-testid="adhoc-age"
                />
              </div>
              <div class="field narrow">
                <label for="adhoc-sex">Sex</label>
                <select
                  id="adhoc-sex"
                  value={sex}
                  onChange={(e) => setSex((e.target as HTMLSelectElement).value as Sex)}
                  data-testid="adhoc-sex"
                >
                  <option value="U">Unknown</option>
                  <option value="F">Female</option>
                  <option value="M">Male</option>
                </select>
              </div>
            </div>
            <div class="three-col">
              <div>
                <CodePicker
                  kind="diagnosis"
                  label="Add a diagnosis"
                  onPending={pendingIn("the diagnosis search")}
                  exclude={diagnoses}
                  testid="diagnosis-picker"
                  onPick={(h) => {
                    learn(h);
                    setDiagnoses((l) => addUnique(l, h.code));
                  }}
                />
                <CodeChips
                  codes={diagnoses}
                  titles={allTitles}
                  label="Diagnoses"
                  onRemove={(c) => setDiagnoses((l) => l.filter((x) => x !== c))}
                  testid="diagnoses"
                  empty="No diagnoses yet"
                />
              </div>
              <div>
                <CodePicker
                  kind="procedure"
                  label="Add a procedure"
                  onPending={pendingIn("the procedure search")}
                  exclude={procedures}
                  testid="procedure-picker"
                  onPick={(h) => {
                    learn(h);
                    setProcedures((l) => addUnique(l, h.code));
                  }}
                />
                <CodeChips
                  codes={procedures}
                  titles={allTitles}
                  label="Procedures"
                  onRemove={(c) => setProcedures((l) => l.filter((x) => x !== c))}
                  testid="procedures"
                  empty="No procedures yet"
                />
              </div>
              <div>
                <CodePicker
                  kind="medication"
                  label="Add a current medication"
                  onPending={pendingIn("the current-medication search")}
                  exclude={current}
                  testid="current-picker"
                  onPick={(h) => {
                    learn(h);
                    setCurrent((l) => addUnique(l, h.code));
                  }}
                />
                <CodeChips
                  codes={current}
                  titles={allTitles}
                  label="Current medications"
                  onRemove={(c) => setCurrent((l) => l.filter((x) => x !== c))}
                  testid="current"
                  empty="No current medications"
                />
              </div>
            </div>
            {seed === null ? null : (
              <p class="small">
                <button type="button" class="link-button" onClick={() => nav.openComposer(seed)}>
                  Back to the stored visit
                </button>
              </p>
            )}
          </fieldset>
        )}

        <div class="options">
          <div class="option">
            <label class="check">
              <input
                type="checkbox"
                checked={safeMode}
                onChange={(e) => setSafeMode((e.target as HTMLInputElement).checked)}
                aria-describedby="safe-mode-hint"
                data-testid="safe-mode"
              />
              Safe mode
            </label>
            <span id="safe-mode-hint" class="muted small">
              Withholds the lower-probability member of every contraindicated or major pair, and any suggestion that
              forms one with a current medication.
            </span>
          </div>
          {teacher ? (
            <div class="option">
              <label class="check">
                <input
                  type="checkbox"
                  checked={compare}
                  onChange={(e) => setCompare((e.target as HTMLInputElement).checked)}
                  aria-describedby="compare-hint"
                  data-testid="compare-teacher"
                />
                Compare with teacher
              </label>
              <span id="compare-hint" class="muted small">
                Also asks the teacher model ({teacher.id}) and shows both lists side by side.
              </span>
            </div>
          ) : null}
        </div>
        <div class="actions">
          <button type="submit" class="primary big" data-testid="suggest" disabled={busy} aria-describedby="composer-status">
            {busy ? "Suggesting…" : "Suggest"}
          </button>
          {mode === "patient" ? (
            <button type="button" class="secondary" onClick={() => nav.openComposer(null)}>
              New ad-hoc visit
            </button>
          ) : null}
        </div>
        {formMsg ? (
          <p class="form-msg" role="alert" data-testid="form-message">
            {formMsg}
          </p>
        ) : null}
      </form>

      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <p id="composer-status" class="status-line" role="status" aria-live="polite" data-testid="composer-status">
        {status}
      </p>

      {answer ? (
        <div class={stale ? "results stale" : "results"} data-testid="results" data-stale={stale ? "true" : "false"}>
          {stale ? (
            <p class="banner banner-warn" role="alert" data-testid="stale-results">
              The inputs changed since these suggestions and interaction checks were made: they do not describe this
              visit any more. Press Suggest again.
            </p>
          ) : null}
          {answer.recommendation.model.kind === "fixture" ? (
            <p class="banner banner-warn">
              This answer comes from a test fixture model with random weights. It is not for clinical use.
            </p>
          ) : null}
          <CoverageBanner rec={answer.recommendation} titles={allTitles} />
          <div class={teacherAnswer ? "compare-grid" : ""}>
            <section aria-labelledby="primary-list-h" data-testid="primary-list">
              <ListHeader label={teacherAnswer ? "Active model" : "Suggestions"} answer={answer} testid="primary-list" />
              <ol class="suggestions">
                {answer.recommendation.suggestions.map((s, i) => (
                  <SuggestionCard
                    key={s.medication}
                    s={s}
                    rank={i + 1}
                    answer={answer}
                    titles={allTitles}
                    choice={choices[s.medication] ?? { action: "none", replacement: null }}
                    onChoice={(c) => setChoice(s.medication, c)}
                    onTitles={learn}
                  />
                ))}
              </ol>
            </section>
            {teacherAnswer ? (
              <section aria-labelledby="teacher-list-h" data-testid="teacher-list">
                <ListHeader label="Teacher" answer={teacherAnswer} testid="teacher-list" />
                <ol class="suggestions">
                  {teacherAnswer.recommendation.suggestions.map((s, i) => (
                    <SuggestionCard key={s.medication} s={s} rank={i + 1} answer={teacherAnswer} titles={allTitles} compact />
                  ))}
                </ol>
              </section>
            ) : null}
          </div>

          <section aria-labelledby="ddi-h" class="panel">
            <h2 id="ddi-h">Interaction warnings</h2>
            <p class="muted small">
              Screened: the suggestions above the threshold and the current medications (
              {answer.recommendation.current_medications.map((c) => nameOf(c, allTitles)).join(", ") || "none"}).
            </p>
            <FindingsList findings={answer.recommendation.interactions} titles={allTitles} testid="interactions" />
          </section>

          <section aria-labelledby="decide-h" class="panel">
            <h2 id="decide-h">Record the decision</h2>
            <div class="field">
              <label for="decision-note">Note (optional)</label>
              <textarea
                id="decision-note"
                rows={2}
                value={note}
                onInput={(e) => {
                  setNote((e.target as HTMLTextAreaElement).value);
                  setRecorded(null);
                }}
              />
            </div>
            <div class="actions">
              <button
                type="button"
                class="primary"
                onClick={() => void record()}
                disabled={recording || recorded !== null || stale}
                data-testid="record-decision"
              >
                {recording ? "Recording…" : "Record decision"}
              </button>
              <span role="status" aria-live="polite" data-testid="recorded">
                {recorded !== null ? (
                  <Badge tone="ok">Decision recorded (#{recorded})</Badge>
                ) : null}
              </span>
            </div>
            {recordMsg ? (
              <p class="form-msg" role="alert" data-testid="record-message">
                {recordMsg}
              </p>
            ) : null}
          </section>
        </div>
      ) : null}

      {mode === "patient" && seed && visit ? (
        <section aria-labelledby="export-h" class="panel" data-testid="fhir-export">
          <h2 id="export-h">Export the decision</h2>
          <p class="muted small">
            Writes the latest decision recorded for this visit as a FHIR R4 Bundle into the app's data folder: accepted
            suggestions as draft medication requests, interaction alerts as detected issues, with the visit's
            diagnoses and the decision's provenance.
            {recorded === null ? " A decision recorded earlier for this visit can be exported too." : ""}
          </p>
          <div class="actions">
            <button
              type="button"
              class="secondary"
              onClick={() => void exportBundle()}
              disabled={exporting}
              data-testid="export-fhir"
            >
              {exporting ? "Exporting…" : "Export as FHIR"}
            </button>
          </div>
          <ErrorBanner error={exportError} onDismiss={() => setExportError(null)} />
          <p
            class="status-line"
            role="status"
            aria-live="polite"
            data-testid="export-fhir-status"
            data-file={exported?.file}
          >
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
      ) : null}
    </section>
  );
}

/** What the model does not know of the visit: a refusal when it knows too little of the
 * current visit to answer, otherwise the unknown codes right above the suggestions. */
function CoverageBanner({ rec, titles }: { rec: Recommendation; titles: Record<string, string> }) {
  const cov = rec.coverage;
  const earlier = rec.unknown_codes.filter((c) => !cov.unknown.includes(c));
  const names = (codes: Code[]) => codes.map((c) => nameOf(c, titles)).join(", ");
  return (
    <>
      {cov.insufficient ? (
        <p class="banner banner-warn" role="alert" data-testid="coverage-withheld">
          <strong>No suggestions: this model does not know this visit's diagnoses and procedures</strong> (
          {cov.known_diagnoses} of {cov.diagnoses} diagnoses, {cov.known_procedures} of {cov.procedures} procedures
          known): {names(cov.unknown)}. Its suggestions would rest on the patient's profile and history alone; use a
          model trained on these codes.
        </p>
      ) : cov.unknown.length ? (
        <p class="banner banner-info" data-testid="unknown-codes">
          The model knows {cov.known_diagnoses + cov.known_procedures} of this visit's {cov.diagnoses + cov.procedures}{" "}
          diagnosis and procedure codes; it ignored: {names(cov.unknown)}.
        </p>
      ) : null}
      {earlier.length ? (
        <p class="banner banner-info" data-testid="unknown-earlier">
          Codes of earlier visits the model does not know (ignored): {names(earlier)}.
        </p>
      ) : null}
    </>
  );
}
