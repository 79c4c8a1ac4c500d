// The composer's inputs: a stored visit (its codes read-only, extra current medications
// editable) or an ad-hoc visit (age, sex and three code lists), and the options of the request.

import type { Dispatch } from "preact/hooks";
import type { AppInfo } from "../../bindings/AppInfo";
import type { Code } from "../../bindings/Code";
import type { Sex } from "../../bindings/Sex";
import type { Visit } from "../../bindings/Visit";
import { CodeChips, CodePicker } from "../../CodePicker";
import { SyntheticBadge } from "../../components";
import { dateOnly, type Titles } from "../../format";
import { type ComposerSeed, useNav } from "../../nav";
import type { CodeList, ComposerAction, ComposerState } from "./state";

type Props = { state: ComposerState; dispatch: Dispatch<ComposerAction>; titles: Titles };

/** A search box whose picks go into `list`; text left in it blocks Suggest (named `box`). */
function ListPicker({
  list,
  box,
  exclude,
  dispatch,
  ...picker
}: {
  list: CodeList;
  box: string;
  exclude: Code[];
  dispatch: Dispatch<ComposerAction>;
  kind: "diagnosis" | "procedure" | "medication";
  label: string;
  testid: string;
}) {
  return (
    <CodePicker
      {...picker}
      onPending={(text) => dispatch({ type: "pending", box, text })}
      exclude={exclude}
      onPick={(hit) => dispatch({ type: "add", list, hit })}
    />
  );
}

export function StoredVisitPanel({
  state,
  dispatch,
  titles,
  seed,
  visit,
  previousMeds,
  onEditAsAdHoc,
}: Props & { seed: ComposerSeed; visit: Visit; previousMeds: Code[]; onEditAsAdHoc: () => void }) {
  const patient = seed.record.patient;
  return (
    <fieldset class="panel" data-testid="visit-subject">
      <legend>Stored visit</legend>
      <p>
        Patient <strong>{patient.id}</strong> {patient.synthetic ? <SyntheticBadge /> : null} · visit{" "}
        <span class="mono">{visit.admission_id}</span> · {dateOnly(visit.admit_time)}
      </p>
      <p class="muted small">
        The model uses this visit's diagnoses and procedures, the earlier visits as history, and the previous visit's
        medications as current medications.
      </p>
      <div class="two-col">
        <div>
          <h3>Diagnoses</h3>
          <CodeChips codes={visit.diagnoses} titles={titles} label="Diagnoses of this visit" />
          <h3>Procedures</h3>
          <CodeChips codes={visit.procedures} titles={titles} label="Procedures of this visit" />
        </div>
        <div>
          <h3>Current medications (previous visit)</h3>
          <CodeChips
            codes={previousMeds}
            titles={titles}
            label="Current medications from the previous visit"
            empty="None (first visit)"
          />
          <h3>Other current medications</h3>
          <CodeChips
            codes={state.extraCurrent}
            titles={titles}
            label="Other current medications"
            onRemove={(code) => dispatch({ type: "remove", list: "extraCurrent", code })}
            testid="extra-current"
          />
          <ListPicker
            list="extraCurrent"
            box="the current-medication search"
            kind="medication"
            label="Add a current medication"
            exclude={[...previousMeds, ...state.extraCurrent]}
            testid="extra-current-picker"
            dispatch={dispatch}
          />
        </div>
      </div>
      <button type="button" class="secondary" onClick={onEditAsAdHoc}>
        Edit codes as an ad-hoc visit
      </button>
    </fieldset>
  );
}

/** One ad-hoc code list: its search box above its chips. */
const AD_HOC_LISTS: {
  list: "diagnoses" | "procedures" | "current";
  kind: "diagnosis" | "procedure" | "medication";
  add: string;
  box: string;
  picker: string;
  label: string;
  empty: string;
}[] = [
  {
    list: "diagnoses",
    kind: "diagnosis",
    add: "Add a diagnosis",
    box: "the diagnosis search",
    picker: "diagnosis-picker",
    label: "Diagnoses",
    empty: "No diagnoses yet",
  },
  {
    list: "procedures",
    kind: "procedure",
    add: "Add a procedure",
    box: "the procedure search",
    picker: "procedure-picker",
    label: "Procedures",
    empty: "No procedures yet",
  },
  {
    list: "current",
    kind: "medication",
    add: "Add a current medication",
    box: "the current-medication search",
    picker: "current-picker",
    label: "Current medications",
    empty: "No current medications",
  },
];

export function AdHocPanel({ state, dispatch, titles, seed }: Props & { seed: ComposerSeed | null }) {
  const nav = useNav();
  return (
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
            value={state.age}
            onInput={(e) => dispatch({ type: "age", value: (e.target as HTMLInputElement).value })}
            data-testid="adhoc-age"
          />
        </div>
        <div class="field narrow">
          <label for="adhoc-sex">Sex</label>
          <select
            id="adhoc-sex"
            value={state.sex}
            onChange={(e) => dispatch({ type: "sex", value: (e.target as HTMLSelectElement).value as Sex })}
            data-testid="adhoc-sex"
          >
            <option value="U">Unknown</option>
            <option value="F">Female</option>
            <option value="M">Male</option>
          </select>
        </div>
      </div>
      <div class="three-col">
        {AD_HOC_LISTS.map((l) => (
          <div key={l.list}>
            <ListPicker
              list={l.list}
              box={l.box}
              kind={l.kind}
              label={l.add}
              exclude={state[l.list]}
              testid={l.picker}
              dispatch={dispatch}
            />
            <CodeChips
              codes={state[l.list]}
              titles={titles}
              label={l.label}
              onRemove={(code) => dispatch({ type: "remove", list: l.list, code })}
              testid={l.list}
              empty={l.empty}
            />
          </div>
        ))}
      </div>
      {seed === null ? null : (
        <p class="small">
          <button type="button" class="link-button" onClick={() => nav.openComposer(seed)}>
            Back to the stored visit
          </button>
        </p>
      )}
    </fieldset>
  );
}

/** Safe mode, and (when the app has a teacher) the side-by-side comparison with it. */
export function RequestOptions({
  state,
  dispatch,
  teacher,
}: {
  state: ComposerState;
  dispatch: Dispatch<ComposerAction>;
  teacher: AppInfo["teacher"];
}) {
  return (
    <div class="options">
      <div class="option">
        <label class="check">
          <input
            type="checkbox"
            checked={state.safeMode}
            onChange={(e) => dispatch({ type: "safe_mode", value: (e.target as HTMLInputElement).checked })}
            aria-describedby="safe-mode-hint"
            data-testid="safe-mode"
          />
          Safe mode
        </label>
        <span id="safe-mode-hint" class="muted small">
          Withholds the lower-probability member of every contraindicated or major pair at drug level, and any
          suggestion that forms one with a current medication. Class-level findings are shown, not acted on.
        </span>
      </div>
      {teacher ? (
        <div class="option">
          <label class="check">
            <input
              type="checkbox"
              checked={state.compare}
              onChange={(e) => dispatch({ type: "compare", value: (e.target as HTMLInputElement).checked })}
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
  );
}
