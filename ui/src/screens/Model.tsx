// Model: the active model and its metrics, the installed history, install from a folder,
// roll back, and refine on this store (live progress, active vs candidate, confirm).

import { useEffect, useRef, useState } from "preact/hooks";
import {
  confirmInstall,
  evaluateModel,
  installModel,
  listModels,
  onRefineDone,
  onRefineFailed,
  onRefineProgress,
  rollbackModel,
  startRefine,
  type UnlistenFn,
} from "../api";
import {
  Badge,
  BarChart,
  type ChartGroup,
  ErrorBanner,
  KeyValues,
  ModelKindBadge,
  ProgressRow,
} from "../components";
import { isRecord, mergeProgress, num, pct, pick } from "../format";
import { useNav } from "../nav";
import type { Evaluation } from "../bindings/Evaluation";
import type { GateReport } from "../bindings/GateReport";
import type { IpcError } from "../bindings/IpcError";
import type { JsonValue } from "../bindings/serde_json/JsonValue";
import type { ModelEntry } from "../bindings/ModelEntry";
import type { Pointer } from "../bindings/Pointer";
import type { ProgressEvent } from "../bindings/ProgressEvent";
import type { RefineReport } from "../bindings/RefineReport";
import type { Scores } from "../bindings/Scores";

const METRICS = ["PRAUC", "Jaccard", "F1"];
const GROUPS: [string, string][] = [
  ["overall", "overall"],
  ["first_visit", "first visit"],
  ["with_history", "with history"],
];

const scoreValues = (s: unknown): (number | null)[] =>
  ["prauc", "jaccard", "f1"].map((k) => {
    const v = pick(s, k);
    return typeof v === "number" ? v : null;
  });

const hasScores = (s: unknown) => scoreValues(s).some((v) => v !== null);

/** Chart groups from a manifest's `metrics`: the held-out split and one cross-validated model. */
export function metricGroups(metrics: unknown, cvModel: string | null): ChartGroup[] {
  const out: ChartGroup[] = [];
  const held = pick(metrics, "held_out_test_split");
  if (hasScores(held)) out.push({ label: "held-out test\noverall", values: scoreValues(held) });
  for (const [k, label] of GROUPS) {
    const g = pick(held, k);
    if (hasScores(g)) out.push({ label: `held-out test\n${label}`, values: scoreValues(g) });
  }
  if (cvModel) {
    for (const [k, label] of GROUPS) {
      const g = pick(metrics, "cross_validation", "models", cvModel, k);
      if (hasScores(g)) out.push({ label: `cross-validation\n${label}`, values: scoreValues(g) });
    }
  }
  return out;
}

function cvModels(metrics: unknown): string[] {
  const m = pick(metrics, "cross_validation", "models");
  return isRecord(m) ? Object.keys(m) : [];
}

function defaultCv(metrics: unknown): string | null {
  const names = cvModels(metrics);
  // The shipped recipe, when the cross-validation names it (the current protocol).
  if (names.includes("recipe")) return "recipe";
  const chosen = pick(metrics, "cross_validation", "chosen_alpha");
  if (typeof chosen === "number") {
    const n = names.find((x) => x === `student_alpha_${chosen}`);
    if (n) return n;
  }
  return names.find((n) => n.startsWith("student")) ?? names[0] ?? null;
}

function Json({ value }: { value: JsonValue | undefined }) {
  if (value === undefined || value === null) return <span class="muted">–</span>;
  if (typeof value !== "object") return <span>{String(value)}</span>;
  return <pre class="json small">{JSON.stringify(value, null, 2)}</pre>;
}

function MetricsChart({ metrics }: { metrics: JsonValue | undefined }) {
  const names = cvModels(metrics);
  const [cv, setCv] = useState<string | null>(defaultCv(metrics));
  const groups = metricGroups(metrics, cv);
  if (!groups.length) return <p class="muted">This model's manifest has no metrics.</p>;
  return (
    <div>
      {names.length ? (
        <div class="field narrow-wide">
          <label for="cv-model">Cross-validated model shown</label>
          <select id="cv-model" value={cv ?? ""} onChange={(e) => setCv((e.target as HTMLSelectElement).value || null)}>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <BarChart title="Model metrics (0–1, higher is better)" series={METRICS} groups={groups} testid="metrics-chart" />
    </div>
  );
}

function evalGroups(
  active: Scores | undefined,
  candidate: Scores | undefined,
  baseline: Scores | undefined,
): ChartGroup[] {
  return (["prauc", "jaccard", "f1"] as const).map((k, i) => ({
    label: METRICS[i],
    values: [active ? active[k] : null, candidate ? candidate[k] : null, baseline ? baseline[k] : null],
  }));
}

function GateResult({ report, testid }: { report: GateReport; testid: string }) {
  const a = report.active_eval?.report.overall;
  const c = report.candidate_eval?.report.overall;
  const repeat = report.candidate_eval?.report.baselines?.find((b) => b.name === "repeat_previous")?.overall;
  return (
    <div class={`panel gate ${report.installed ? "gate-ok" : "gate-refused"}`} data-testid={testid}>
      <p>
        {report.installed ? <Badge tone="ok">Installed</Badge> : <Badge tone="danger">Not installed</Badge>}{" "}
        {report.forced ? <Badge tone="warn">forced</Badge> : null}
      </p>
      <p data-testid="gate-reason">
        <strong>Gate:</strong> {report.reason}
      </p>
      <KeyValues
        items={[
          ["Candidate", report.candidate],
          ["Previously active", report.active ?? "–"],
          ["Vocabulary coverage of this store", pct(report.vocabulary_coverage, 1)],
          ["Signature", report.allowed_unsigned ? `${report.signature} (installed unsigned, audited)` : report.signature],
        ]}
      />
      {a || c ? (
        <BarChart
          title="Overall scores on this store's held-out visits"
          series={["Active", "Candidate", "Repeat the previous visit"]}
          groups={evalGroups(a, c, repeat)}
          testid={`${testid}-chart`}
        />
      ) : null}
    </div>
  );
}

export function Model() {
  const nav = useNav();
  const model = nav.info?.model ?? null;
  const [models, setModels] = useState<ModelEntry[] | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [dir, setDir] = useState("");
  const [installing, setInstalling] = useState(false);
  const [allowUnsigned, setAllowUnsigned] = useState(false);
  const [force, setForce] = useState(false);
  const [gate, setGate] = useState<GateReport | null>(null);
  const [confirmRollback, setConfirmRollback] = useState(false);
  const [pointer, setPointer] = useState<Pointer | null>(null);
  const [tiny, setTiny] = useState(false);
  const [refining, setRefining] = useState(false);
  const [stages, setStages] = useState<ProgressEvent[]>([]);
  const [refine, setRefine] = useState<RefineReport | null>(null);
  const [confirmGate, setConfirmGate] = useState<GateReport | null>(null);
  const [status, setStatus] = useState("");
  const unlisten = useRef<UnlistenFn[]>([]);

  const loadModels = () =>
    listModels()
      .then(setModels)
      .catch((e: IpcError) => setError(e));

  useEffect(() => {
    void loadModels();
    return () => stopListening();
  }, []);

  const stopListening = () => {
    for (const u of unlisten.current) u();
    unlisten.current = [];
  };

  const install = async () => {
    if (!dir.trim()) {
      setStatus("Enter the folder of a model bundle (it holds manifest.json).");
      return;
    }
    setInstalling(true);
    setError(null);
    setGate(null);
    setStatus("Checking the model against this store…");
    try {
      const g = await installModel(dir.trim(), allowUnsigned, force);
      setGate(g);
      setStatus(g.installed ? "Model installed." : "The gate refused the model.");
      await Promise.all([loadModels(), nav.refreshInfo()]);
    } catch (e) {
      setError(e as IpcError);
      setStatus("");
    } finally {
      setInstalling(false);
    }
  };

  const rollback = async () => {
    setConfirmRollback(false);
    setError(null);
    try {
      const p = await rollbackModel();
      setPointer(p);
      setStatus(`Rolled back; active model is now ${p.active ?? "the bundled default"}.`);
      await Promise.all([loadModels(), nav.refreshInfo()]);
    } catch (e) {
      setError(e as IpcError);
    }
  };

  const startRefining = async () => {
    setError(null);
    setRefine(null);
    setConfirmGate(null);
    setStages([]);
    stopListening();
    try {
      unlisten.current = await Promise.all([
        onRefineProgress((p) =>
          setStages((old) => mergeProgress(old, p)),
        ),
        onRefineDone((r) => {
          stopListening();
          setRefining(false);
          setRefine(r);
          setStatus("Refinement finished: compare the candidate with the active model below.");
        }),
        onRefineFailed((e) => {
          stopListening();
          setRefining(false);
          setError(e);
          setStatus("");
        }),
      ]);
      setRefining(true);
      setStatus("Refining on this store…");
      await startRefine(tiny);
    } catch (e) {
      stopListening();
      setRefining(false);
      setError(e as IpcError);
      setStatus("");
    }
  };

  const confirm = async () => {
    if (!refine) return;
    setError(null);
    try {
      const g = await confirmInstall(refine.candidate, force);
      setConfirmGate(g);
      setStatus(g.installed ? "Candidate installed." : "The gate refused the candidate.");
      await Promise.all([loadModels(), nav.refreshInfo()]);
    } catch (e) {
      setError(e as IpcError);
    }
  };

  const activeEntry = models?.find((m) => m.active);
  const metrics = (model?.metrics ?? activeEntry?.metrics) as JsonValue | undefined;
  const ra = refine?.active_eval?.report.overall;
  const rc = refine?.candidate_eval?.report.overall;
  const rRepeat = refine?.candidate_eval?.report.baselines?.find((b) => b.name === "repeat_previous")?.overall;
  return (
    <section class="screen" aria-labelledby="model-h">
      <h1 id="model-h" tabIndex={-1}>
        Model
      </h1>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <p class="status-line" role="status" aria-live="polite" data-testid="model-status">
        {status}
      </p>

      <section class="panel" aria-labelledby="active-h" data-testid="active-model-panel">
        <h2 id="active-h">Active model</h2>
        {model ? (
          <>
            <KeyValues
              items={[
                ["Id", <strong>{model.id}</strong>],
                ["Version", <span class="mono">{model.version}</span>],
                ["Kind", <ModelKindBadge kind={String(model.kind)} />],
                ...(model.description ? ([["Description", model.description]] as [string, string][]) : []),
                ...(typeof model.threshold === "number" ? ([["Threshold", num(model.threshold, 2)]] as [string, string][]) : []),
                ["Provenance", <Json value={model.provenance} />],
              ]}
            />
            <p class="banner banner-info small">
              These metrics describe how the model scored on the data it was evaluated on (for the demo store:
              synthetic patients). They are not a clinical validation.
            </p>
            <MetricsChart metrics={metrics} />
            <StoreEvaluation />
          </>
        ) : (
          <p>No model is installed. Install one from a folder below.</p>
        )}
      </section>

      <section class="panel" aria-labelledby="history-h">
        <h2 id="history-h">Installed models</h2>
        {models === null ? (
          <p class="muted">Loading…</p>
        ) : (
          <div class="table-scroll">
            <table class="data-table" data-testid="model-history">
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Version</th>
                  <th scope="col">Kind</th>
                  <th scope="col">State</th>
                  <th scope="col">Held-out PRAUC</th>
                  <th scope="col">Folder</th>
                </tr>
              </thead>
              <tbody>
                {models.map((m) => (
                  <tr key={m.name} data-testid="model-row">
                    <td>{m.id}</td>
                    <td class="mono">{m.version}</td>
                    <td>
                      <ModelKindBadge kind={m.kind} />
                    </td>
                    <td>
                      {m.active ? <Badge tone="ok">active</Badge> : null} {m.previous ? <Badge>previous</Badge> : null}{" "}
                      {m.bundled ? <Badge tone="info">bundled</Badge> : null}
                    </td>
                    <td>{num(pick(m.metrics, "held_out_test_split", "prauc") as number | undefined)}</td>
                    <td class="mono small break">{m.path}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div class="actions">
          {confirmRollback ? (
            <>
              <span>Make the previous model active again?</span>
              <button type="button" class="danger" onClick={() => void rollback()} data-testid="confirm-rollback">
                Confirm roll back
              </button>
              <button type="button" class="secondary" onClick={() => setConfirmRollback(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" class="secondary" onClick={() => setConfirmRollback(true)} data-testid="rollback">
              Roll back
            </button>
          )}
        </div>
        {pointer ? (
          <p class="small" data-testid="pointer">
            Active: <span class="mono">{pointer.active ?? "bundled default"}</span> · previous:{" "}
            <span class="mono">{pointer.previous ?? "–"}</span>
          </p>
        ) : null}
      </section>

      <section class="panel" aria-labelledby="install-h">
        <h2 id="install-h">Install from folder</h2>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            void install();
          }}
        >
          <div class="field grow">
            <label for="model-dir">Model folder (contains manifest.json)</label>
            <input
              id="model-dir"
              type="text"
              value={dir}
              spellcheck={false}
              onInput={(e) => setDir((e.target as HTMLInputElement).value)}
              data-testid="model-dir"
            />
          </div>
          <button type="submit" class="primary" disabled={installing} data-testid="install-model">
            {installing ? "Installing…" : "Install"}
          </button>
        </form>
        <label class="check">
          <input
            type="checkbox"
            checked={allowUnsigned}
            onChange={(e) => setAllowUnsigned((e.target as HTMLInputElement).checked)}
            data-testid="allow-unsigned"
          />
          Install an unsigned model (or one signed by a key this store does not trust)
        </label>
        {allowUnsigned ? (
          <p class="banner banner-warn small" role="alert" data-testid="unsigned-warning">
            Nobody vouches for an unsigned model: it may have been changed by anyone who could write its folder. Install
            it only if you know where it came from. Your choice is written to the audit log. A signature that does not
            verify is refused even so.
          </p>
        ) : null}
        <label class="check">
          <input
            type="checkbox"
            checked={force}
            onChange={(e) => setForce((e.target as HTMLInputElement).checked)}
            data-testid="force-install"
          />
          Install even if the gate refuses it
        </label>
        {force ? (
          <p class="banner banner-warn small" role="alert" data-testid="force-warning">
            The gate refuses a model that scores below the active model, below repeating the previous visit's
            medications, or that knows too little of this store's codes. Overriding it is written to the audit log with
            the scores.
          </p>
        ) : null}
        <p class="muted small">
          The gate compares the candidate with the active model and with repeating the previous visit's medications on
          this store's held-out visits before it is made active.
        </p>
        {gate ? <GateResult report={gate} testid="install-gate" /> : null}
      </section>

      <section class="panel" aria-labelledby="refine-h">
        <h2 id="refine-h">Refine on this store</h2>
        <p class="muted small">
          Trains a candidate on the patients in this store (on this computer), then compares it with the active
          model. Nothing is installed until you confirm.
        </p>
        <div class="row">
          <label class="check">
            <input
              type="checkbox"
              checked={tiny}
              onChange={(e) => setTiny((e.target as HTMLInputElement).checked)}
              data-testid="refine-tiny"
            />
            Quick test run (few steps; the candidate will be weak)
          </label>
          <button type="button" class="primary" onClick={() => void startRefining()} disabled={refining} data-testid="start-refine">
            {refining ? "Refining…" : "Refine on this store"}
          </button>
        </div>
        {stages.length ? (
          <div class="stages" data-testid="refine-progress" aria-label="Refinement progress">
            {stages.map((s) => (
              <ProgressRow
                key={s.stage}
                label={s.stage}
                done={s.done}
                total={s.total}
                note={s.note}
                complete={refine !== null}
              />
            ))}
          </div>
        ) : null}
        {refine ? (
          <div data-testid="refine-result">
            {refine.skipped_stages.length ? (
              <p class="small muted">Skipped (already up to date): {refine.skipped_stages.join(", ")}</p>
            ) : null}
            {ra || rc ? (
              <BarChart
                title="Active vs candidate, overall (higher is better)"
                series={["Active", "Candidate", "Repeat the previous visit"]}
                groups={evalGroups(ra, rc, rRepeat)}
                testid="refine-chart"
              />
            ) : (
              <p class="muted">No evaluation was possible on this store.</p>
            )}
            {refine.gate ? (
              <p data-testid="refine-gate-reason">
                <strong>Gate:</strong> {refine.gate.reason}
              </p>
            ) : null}
            {confirmGate ? (
              <GateResult report={confirmGate} testid="confirm-gate" />
            ) : (
              <button type="button" class="primary" onClick={() => void confirm()} data-testid="confirm-install">
                Confirm install
              </button>
            )}
          </div>
        ) : null}
      </section>
    </section>
  );
}

/** The active model on this store's held-out visits, beside the trivial rules it must beat. */
function StoreEvaluation() {
  const [evaluation, setEvaluation] = useState<Evaluation | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setEvaluation(await evaluateModel());
    } catch (e) {
      setError(e as IpcError);
    } finally {
      setBusy(false);
    }
  };
  const r = evaluation?.report;
  const repeat = r?.baselines.find((b) => b.name === "repeat_previous");
  const frequent = r?.baselines.find((b) => b.name === "most_frequent");
  const groups: ChartGroup[] = r
    ? (["prauc", "jaccard", "f1"] as const).map((k, i) => ({
        label: METRICS[i],
        values: [r.overall[k], repeat ? repeat.overall[k] : null, frequent ? frequent.overall[k] : null],
      }))
    : [];
  return (
    <div class="store-eval" data-testid="store-eval">
      <button type="button" class="secondary" onClick={run} disabled={busy} data-testid="evaluate-model">
        {busy ? "Evaluating…" : "Evaluate on this store"}
      </button>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {r && evaluation ? (
        <>
          <p data-testid="store-eval-summary">
            On {r.overall.visits} held-out visits of this store: PRAUC {num(r.overall.prauc, 4)}
            {repeat ? (
              <>
                {" "}
                vs {num(repeat.overall.prauc, 4)} for repeating the previous visit's medications (
                {r.overall.prauc - repeat.overall.prauc >= 0 ? "+" : ""}
                {num(r.overall.prauc - repeat.overall.prauc, 4)})
              </>
            ) : null}
            . The model does not know {pct(r.unknown_code_share, 1)} of these visits' diagnosis and procedure codes;{" "}
            {r.visits_withheld_for_coverage} visit(s) would get no suggestions.
          </p>
          {repeat && r.overall.prauc <= repeat.overall.prauc ? (
            <p class="banner banner-warn small" data-testid="store-eval-warning">
              On this store the model does not beat repeating the previous visit's medications.
            </p>
          ) : null}
          <BarChart
            title="Active model and the trivial rules on this store's held-out visits"
            series={["Active model", "Repeat the previous visit", "Most frequent"]}
            groups={groups}
            testid="store-eval-chart"
          />
        </>
      ) : null}
    </div>
  );
}
