// Visit composer: a stored visit or an ad-hoc one → `recommend` → ranked suggestions with
// evidence and interaction warnings → per-suggestion decisions → `record_decision`; for a stored
// visit, the latest recorded decision → `export_fhir` (a FHIR R4 Bundle in the app's data folder).
//
// One state, one reducer (composer/state.ts); the parts are in composer/: the inputs
// (Inputs.tsx), the answer (Suggestions.tsx), the decision and the export (Decision.tsx). This
// file holds the calls to the app and the layout.

import { useEffect, useMemo, useReducer, useRef, useState } from "preact/hooks";
import { checkInteractions, exportFhir, recommend, recordDecision } from "../api";
import type { Code } from "../bindings/Code";
import type { IpcError } from "../bindings/IpcError";
import { ErrorBanner } from "../components";
import { type ComposerSeed, useNav } from "../nav";
import { FhirExportPanel, DecisionBar } from "./composer/Decision";
import { AdHocPanel, RequestOptions, StoredVisitPanel } from "./composer/Inputs";
import {
  allTitles,
  combinationsToScreen,
  composerReducer,
  decisionOf,
  initialState,
  inputKey,
  isStale,
  pendingMessage,
  screenKey,
  subjectOf,
  unrecordedCount,
} from "./composer/state";
import { LeaveDialog, PrintSummary, RecordBar, RecordDialog, installLeaveGuard, leaveComposer } from "./composer/Record";
import { VisitReviewPanel } from "./composer/Review";
import { CoverageBanner, InteractionWarnings, SuggestionLists } from "./composer/Suggestions";

/** How many suggestions below the threshold the model lists as well. */
const TOP_K = 5;

export const DISCLAIMER = "Suggestions are decision support; the prescriber decides.";

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

  const [state, dispatch] = useReducer(composerReducer, null, () => initialState(seed, visit !== null));
  const { mode, answer, teacherAnswer } = state;
  const stale = isStale(state, seed);
  const titles = allTitles(state);

  const switchToAdHoc = () =>
    dispatch({
      type: "to_ad_hoc",
      from: visit
        ? {
            diagnoses: visit.diagnoses,
            procedures: visit.procedures,
            previousMeds,
            age: seed ? ageAt(seed) : null,
            sex: seed?.record.patient.sex ?? "U",
          }
        : null,
    });

  const suggest = async () => {
    const unadded = pendingMessage(state.pending);
    if (unadded) return dispatch({ type: "form_message", message: unadded });
    const subject = subjectOf(state, seed);
    if (typeof subject === "string") return dispatch({ type: "form_message", message: subject });
    const key = inputKey(state, seed);
    dispatch({ type: "suggest_started" });
    try {
      const ask = (fromTeacher: boolean) =>
        recommend({ subject, safe_mode: state.safeMode, top_k: TOP_K, teacher: fromTeacher });
      const [a, t] = await Promise.all([
        ask(false),
        state.compare && teacher !== null ? ask(true) : Promise.resolve(null),
      ]);
      dispatch({ type: "suggest_done", answer: a, teacher: t, key });
    } catch (e) {
      dispatch({ type: "suggest_failed", error: e as IpcError });
    }
  };

  // A decision the answer's pre-screening does not cover (a replacement, a suggestion below the
  // threshold) is screened as the service will screen it on record: the pharmacist check of the
  // whole combination, once per combination (`state.screens` keeps the results), so that a reason
  // is asked for only when that check finds a warning (state.ts `overrideNeed`).
  const toScreen = combinationsToScreen(state);
  const toScreenKey = toScreen.map(screenKey).join("\n");
  useEffect(() => {
    for (const codes of toScreen) {
      const key = screenKey(codes);
      dispatch({ type: "screen_started", key });
      checkInteractions(codes).then(
        (check) => dispatch({ type: "screen_done", key, check }),
        (e) => dispatch({ type: "screen_failed", key, error: e as IpcError }),
      );
    }
  }, [toScreenKey]);

  // Recording: "Record decisions…" checks the decision and opens the summary; its Record sends it.
  const [recordOpen, setRecordOpen] = useState(false);
  const [recordError, setRecordError] = useState<IpcError | null>(null);
  const [recordedAt, setRecordedAt] = useState("");
  const openRecord = () => {
    if (!answer) return;
    const decision = decisionOf(answer, state.choices, state.note, state.screens, state.proposals);
    if (typeof decision === "string") return dispatch({ type: "record_message", message: decision });
    dispatch({ type: "record_message", message: "" });
    setRecordError(null);
    setRecordOpen(true);
  };
  const record = async () => {
    if (!answer) return;
    const decision = decisionOf(answer, state.choices, state.note, state.screens, state.proposals);
    if (typeof decision === "string") {
      setRecordOpen(false);
      return dispatch({ type: "record_message", message: decision });
    }
    dispatch({ type: "record_started" });
    setRecordError(null);
    try {
      const id = await recordDecision(decision);
      setRecordedAt(new Date().toLocaleString());
      setRecordOpen(false);
      dispatch({ type: "record_done", id });
    } catch (e) {
      // The service is the authority (e.g. on override reasons): its refusal stays next to Record.
      setRecordError(e as IpcError);
      dispatch({ type: "record_failed", error: e as IpcError });
    }
  };
  const printSummary = () => window.print();

  // Leaving with unrecorded choices asks first: through `leaveComposer` (for the shell), the
  // sidebar's buttons (intercepted here, then clicked again once the user confirms) and the
  // window's beforeunload.
  const unrecorded = unrecordedCount(state);
  const unrecordedRef = useRef(unrecorded);
  unrecordedRef.current = unrecorded;
  const [leaving, setLeaving] = useState<(() => void) | null>(null);
  const released = useRef(false);
  useEffect(() => {
    const count = () => (released.current ? 0 : unrecordedRef.current);
    const ask = (proceed: () => void) =>
      setLeaving(() => () => {
        released.current = true;
        setLeaving(null);
        proceed();
      });
    const remove = installLeaveGuard({ count, ask });
    const onClick = (e: MouseEvent) => {
      const button = (e.target as Element | null)?.closest?.<HTMLButtonElement>("nav.sidebar button");
      if (!button || button.getAttribute("aria-current") === "page" || count() === 0) return;
      e.preventDefault();
      e.stopPropagation();
      ask(() => button.click());
    };
    const onUnload = (e: BeforeUnloadEvent) => {
      if (count() === 0) return;
      e.preventDefault();
      e.returnValue = "";
    };
    document.addEventListener("click", onClick, true);
    window.addEventListener("beforeunload", onUnload);
    return () => {
      remove();
      document.removeEventListener("click", onClick, true);
      window.removeEventListener("beforeunload", onUnload);
    };
  }, []);
  const who = seed ? seed.record.patient.id : "this ad-hoc visit";

  const exportBundle = async () => {
    if (!seed) return;
    dispatch({ type: "export_started" });
    try {
      dispatch({ type: "export_done", exported: await exportFhir(seed.record.patient.id, seed.admission_id) });
    } catch (e) {
      dispatch({ type: "export_failed", error: e as IpcError });
    }
  };

  const inputs = { state, dispatch, titles };
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
        {mode === "patient" && seed && visit ? (
          <StoredVisitPanel
            {...inputs}
            seed={seed}
            visit={visit}
            previousMeds={previousMeds}
            onEditAsAdHoc={switchToAdHoc}
          />
        ) : (
          <AdHocPanel {...inputs} seed={seed} />
        )}
        <RequestOptions state={state} dispatch={dispatch} teacher={teacher} />
        <div class="actions">
          <button
            type="submit"
            class="primary big"
            data-testid="suggest"
            disabled={state.busy}
            aria-describedby="composer-status"
          >
            {state.busy ? "Suggesting…" : "Suggest"}
          </button>
          {mode === "patient" ? (
            <button
              type="button"
              class="secondary"
              onClick={() => leaveComposer(() => nav.openComposer(null))}
              data-testid="new-ad-hoc"
            >
              New ad-hoc visit
            </button>
          ) : null}
        </div>
        {state.formMsg ? (
          <p class="form-msg" role="alert" data-testid="form-message">
            {state.formMsg}
          </p>
        ) : null}
      </form>

      <ErrorBanner error={state.error} onDismiss={() => dispatch({ type: "dismiss_error" })} />
      <p id="composer-status" class="status-line" role="status" aria-live="polite" data-testid="composer-status">
        {state.status}
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
          <RecordBar state={state} stale={stale} onOpen={openRecord} onPrint={printSummary} />
          <CoverageBanner rec={answer.recommendation} titles={titles} />
          <SuggestionLists
            answer={answer}
            teacherAnswer={teacherAnswer}
            choices={state.choices}
            proposals={state.proposals}
            screens={state.screens}
            titles={titles}
            dispatch={dispatch}
          />
          <InteractionWarnings answer={answer} titles={titles} />
          {answer.review ? <VisitReviewPanel answer={answer} review={answer.review} titles={titles} /> : null}
          <DecisionBar state={state} dispatch={dispatch} stale={stale} onRecord={openRecord} />
        </div>
      ) : null}
      {recordOpen && answer ? (
        <RecordDialog
          state={state}
          titles={titles}
          error={recordError}
          onRecord={() => void record()}
          onBack={() => setRecordOpen(false)}
        />
      ) : null}
      {leaving ? (
        <LeaveDialog count={unrecorded} who={who} onLeave={leaving} onStay={() => setLeaving(null)} />
      ) : null}
      <PrintSummary state={state} seed={seed} titles={titles} user={nav.info?.user ?? null} recordedAt={recordedAt} />

      {mode === "patient" && seed && visit ? (
        <FhirExportPanel state={state} dispatch={dispatch} onExport={() => void exportBundle()} />
      ) : null}
    </section>
  );
}
