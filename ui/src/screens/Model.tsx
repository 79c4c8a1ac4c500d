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
import { Badge, BarChart, type ChartGroup, KeyValues, ModelKindBadge, ProgressRow } from "../components";
import { isRecord, mergeProgress, num, pct, pick } from "../format";
import { useNav } from "../nav";
import type { Evaluation } from "../bindings/Evaluation";
import type { GateReport } from "../bindings/GateReport";
import type { IpcError } from "../bindings/IpcError";
import type { JsonValue } from "../bindings/serde_json/JsonValue";
import type { ModelEntry } from "../bindings/ModelEntry";
import type { ModelSummary } from "../bindings/ModelSummary";
import type { Pointer } from "../bindings/Pointer";
import type { ProgressEvent } from "../bindings/ProgressEvent";
import type { RefineReport } from "../bindings/RefineReport";
import type { RefineEnvStatus } from "../bindings/RefineEnvStatus";
import type { EnvSource } from "../bindings/EnvSource";
import type { Scores } from "../bindings/Scores";
import {
  digestOf,
  type InfoRow,
  isNothingToRollBack,
  metricSections,
  operationErrorText,
  rollbackErrorText,
  rollbackTarget,
} from "./model/describe";
import { IDLE, MetricsTable, OpMessage, type OpState, ProvenanceTable } from "./model/tables";

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

/** The chart of the manifest's scores and, below it, each score with its meaning. */
function MetricsChart({ metrics, testVisits }: { metrics: JsonValue | undefined; testVisits?: number }) {
  const names = cvModels(metrics);
  const [cv, setCv] = useState<string | null>(defaultCv(metrics));
  const groups = metricGroups(metrics, cv);
  const sections = metricSections(metrics, cv, testVisits);
  if (!groups.length && !sections.length) return <p class="muted">This model's manifest has no metrics.</p>;
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
      {groups.length ? (
        <BarChart title="Model metrics (0–1, higher is better)" series={METRICS} groups={groups} testid="metrics-chart" />
      ) : null}
      <MetricsTable sections={sections} testid="metrics-table" />
    </div>
  );
}

/** The installed teacher (teacher mode): what it is, where it came from, how it scored. */
function TeacherPanel({ teacher }: { teacher: ModelSummary }) {
  const sections = metricSections(teacher.metrics, null);
  return (
    <section class="panel" aria-labelledby="teacher-h" data-testid="teacher-panel">
      <h2 id="teacher-h">Teacher model</h2>
      <KeyValues
        items={[
          ["Id", <strong>{teacher.id}</strong>],
          ["Version", <span class="mono">{teacher.version}</span>],
          ["Kind", <ModelKindBadge kind={String(teacher.kind)} />],
          ...(teacher.description ? ([["Description", teacher.description]] as [string, string][]) : []),
        ]}
      />
      <ProvenanceTable provenance={teacher.provenance} caption="Teacher provenance" testid="teacher-provenance" />
      {sections.length ? (
        <MetricsTable sections={sections} testid="teacher-metrics-table" />
      ) : (
        <p class="muted small">The teacher's manifest records no metrics.</p>
      )}
    </section>
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

const failed = (code: string, text: string): OpState => ({ status: "", error: { code, text } });

/**
 * Whether refinement can run here: where its Python environment comes from, or, when it is
 * missing, what hospital IT does to install it (the offline refine kit).
 */
function RefineEnvLine({ env }: { env: RefineEnvStatus | null }) {
  if (!env) return null;
  if (env.source === null)
    return (
      <div class="banner banner-warn small" role="status" data-testid="refine-env-missing">
        <p>
          <strong>Refinement cannot run on this computer yet:</strong> its Python environment (PyTorch and the teacher
          model: a 3.2 GB kit, 5.7 GB once installed) is not installed.
        </p>
        <p>Hospital IT, without network on this computer:</p>
        <ol>
          <li>
            on a computer with network access, build the refine kit from this version's source:{" "}
            <code>scripts/refine-kit.sh KIT</code>;
          </li>
          <li>copy the KIT folder to this computer;</li>
          <li>
            run <code>leader refine setup --from KIT</code> (it checks the kit and installs it into{" "}
            <code>{env.folder}</code>), then reopen this screen.
          </li>
        </ol>
        {env.pipeline_found ? null : <p>The pipeline's source was not found beside the app either: reinstall the app.</p>}
      </div>
    );
  const where: Record<EnvSource, string> = {
    kit: "installed from a refine kit",
    checkout: "a source checkout's (development)",
    beside_app: "installed beside the app",
  };
  return (
    <p class="small muted" data-testid="refine-env">
      Refinement environment: {where[env.source]}
      {env.kit ? ` (kit built ${env.kit.created} UTC, installed ${env.kit.installed} UTC)` : ""}.
    </p>
  );
}

export function Model() {
  const nav = useNav();
  const model = nav.info?.model ?? null;
  const teacher = nav.info?.teacher ?? null;
  const [models, setModels] = useState<ModelEntry[] | null>(null);
  const [listError, setListError] = useState<IpcError | null>(null);
  const [dir, setDir] = useState("");
  const [installing, setInstalling] = useState(false);
  const [allowUnsigned, setAllowUnsigned] = useState(false);
  const [force, setForce] = useState(false);
  const [gate, setGate] = useState<GateReport | null>(null);
  const [installOp, setInstallOp] = useState<OpState>(IDLE);
  const [confirmRollback, setConfirmRollback] = useState(false);
  const [rollingBack, setRollingBack] = useState(false);
  const [pointer, setPointer] = useState<Pointer | null>(null);
  const [rollbackOp, setRollbackOp] = useState<OpState>(IDLE);
  /** The registry said there is no previous model (whatever the listing suggested). */
  const [noPrevious, setNoPrevious] = useState(false);
  const [tiny, setTiny] = useState(false);
  const [refining, setRefining] = useState(false);
  const [stages, setStages] = useState<ProgressEvent[]>([]);
  const [refine, setRefine] = useState<RefineReport | null>(null);
  const [refineOp, setRefineOp] = useState<OpState>(IDLE);
  const [confirmGate, setConfirmGate] = useState<GateReport | null>(null);
  const [confirmOp, setConfirmOp] = useState<OpState>(IDLE);
  const unlisten = useRef<UnlistenFn[]>([]);

  const loadModels = () =>
    listModels()
      .then((m) => {
        setModels(m);
        setListError(null);
      })
      .catch((e: IpcError) => setListError(e));

  useEffect(() => {
    // The active model may have changed since start-up (the command line installs too).
    void Promise.all([loadModels(), nav.refreshInfo()]);
    return () => stopListening();
  }, []);

  const stopListening = () => {
    for (const u of unlisten.current) u();
    unlisten.current = [];
  };

  /** After a model change: the listing, the header's model, and a fresh roll back state. */
  const reload = async () => {
    setNoPrevious(false);
    await Promise.all([loadModels(), nav.refreshInfo()]);
  };

  const install = async () => {
    if (!dir.trim()) {
      setInstallOp(failed("invalid_input", "Enter the folder of a model bundle (it holds manifest.json)."));
      return;
    }
    setInstalling(true);
    setGate(null);
    setInstallOp({ status: "Checking the model against this store…", error: null });
    try {
      const g = await installModel(dir.trim(), allowUnsigned, force);
      setGate(g);
      setInstallOp({ status: g.installed ? "Model installed." : "The gate refused the model: see why below.", error: null });
      await reload();
    } catch (e) {
      const err = e as IpcError;
      setInstallOp(failed(err.code, operationErrorText("The model was not installed.", err)));
    } finally {
      setInstalling(false);
    }
  };

  const rollback = async () => {
    setConfirmRollback(false);
    setRollingBack(true);
    setPointer(null);
    setRollbackOp({ status: "Rolling back…", error: null });
    try {
      const p = await rollbackModel();
      setPointer(p);
      setRollbackOp({
        status: `Rolled back: the active model is now ${p.active ?? "the bundled model"}.`,
        error: null,
      });
      await reload();
    } catch (e) {
      const err = e as IpcError;
      if (isNothingToRollBack(err)) setNoPrevious(true);
      setRollbackOp(failed(err.code, rollbackErrorText(err)));
    } finally {
      setRollingBack(false);
    }
  };

  const startRefining = async () => {
    setRefine(null);
    setConfirmGate(null);
    setConfirmOp(IDLE);
    setStages([]);
    stopListening();
    const refineFailed = (err: IpcError) => {
      stopListening();
      setRefining(false);
      setRefineOp(failed(err.code, operationErrorText("The refinement stopped.", err)));
    };
    try {
      unlisten.current = await Promise.all([
        onRefineProgress((p) => setStages((old) => mergeProgress(old, p))),
        onRefineDone((r) => {
          stopListening();
          setRefining(false);
          setRefine(r);
          setRefineOp({ status: "Refinement finished: compare the candidate with the active model below.", error: null });
        }),
        onRefineFailed(refineFailed),
      ]);
      setRefining(true);
      setRefineOp({ status: "Refining on this store…", error: null });
      await startRefine(tiny);
    } catch (e) {
      refineFailed(e as IpcError);
    }
  };

  const confirm = async () => {
    if (!refine) return;
    setConfirmOp({ status: "Checking the candidate against this store…", error: null });
    try {
      const g = await confirmInstall(refine.candidate, force);
      setConfirmGate(g);
      setConfirmOp({ status: g.installed ? "Candidate installed." : "The gate refused the candidate: see why below.", error: null });
      await reload();
    } catch (e) {
      const err = e as IpcError;
      setConfirmOp(failed(err.code, operationErrorText("The candidate was not installed.", err)));
    }
  };

  const activeEntry = models?.find((m) => m.active);
  const metrics = (model?.metrics ?? activeEntry?.metrics) as JsonValue | undefined;
  const testVisits = pick(model?.provenance, "counts", "test");
  const digest = digestOf(activeEntry);
  const extraProvenance: InfoRow[] = digest
    ? [{ key: "bundle_digest_start", label: "Bundle digest (first 8 hex digits)", value: digest, mono: true }]
    : [];
  const target = models ? rollbackTarget(models) : null;
  const nothingToRollBack = noPrevious || (target !== null && !target.possible);
  const ra = refine?.active_eval?.report.overall;
  const rc = refine?.candidate_eval?.report.overall;
  const rRepeat = refine?.candidate_eval?.report.baselines?.find((b) => b.name === "repeat_previous")?.overall;
  return (
    <section class="screen model-screen" aria-labelledby="model-h">
      <h1 id="model-h" tabIndex={-1}>
        Model
      </h1>

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
              ]}
            />
            <ProvenanceTable
              provenance={model.provenance}
              extra={extraProvenance}
              caption="Provenance"
              testid="provenance-table"
            />
            <p class="banner banner-info small">
              These metrics describe how the model scored on the data it was evaluated on (for the demo store:
              synthetic patients). They are not a clinical validation.
            </p>
            <MetricsChart metrics={metrics} testVisits={typeof testVisits === "number" ? testVisits : undefined} />
            <StoreEvaluation />
          </>
        ) : (
          <p>No model is installed. Install one from a folder below.</p>
        )}
      </section>

      {teacher ? <TeacherPanel teacher={teacher} /> : null}

      <section class="panel" aria-labelledby="history-h">
        <h2 id="history-h">Installed models</h2>
        {listError ? (
          <div class="banner banner-error" role="alert" data-testid="error-banner" data-code={listError.code}>
            <p>{operationErrorText("The installed models could not be listed.", listError)}</p>
          </div>
        ) : null}
        {models === null ? (
          listError ? null : <p class="muted">Loading…</p>
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
        <div class="op" data-testid="rollback-op">
          <div class="actions">
            {confirmRollback && !nothingToRollBack ? (
              <>
                <span>
                  Make {target?.possible ? target.target : "the previous model"} active again?
                </span>
                <button type="button" class="danger" onClick={() => void rollback()} data-testid="confirm-rollback">
                  Confirm roll back
                </button>
                <button type="button" class="secondary" onClick={() => setConfirmRollback(false)}>
                  Cancel
                </button>
              </>
            ) : (
              <button
                type="button"
                class="secondary"
                onClick={() => {
                  setRollbackOp(IDLE);
                  setConfirmRollback(true);
                }}
                disabled={nothingToRollBack || rollingBack}
                aria-describedby={target && !target.possible && !noPrevious ? "rollback-none" : undefined}
                data-testid="rollback"
              >
                {rollingBack ? "Rolling back…" : "Roll back"}
              </button>
            )}
          </div>
          {target && !target.possible && !noPrevious ? (
            <p class="op-note" id="rollback-none" data-testid="rollback-none">
              {target.reason}
            </p>
          ) : null}
          <OpMessage state={rollbackOp} testid="rollback-message">
            {pointer ? (
              <p class="small" data-testid="pointer">
                Active: <span class="mono">{pointer.active ?? "bundled model"}</span> · previous:{" "}
                <span class="mono">{pointer.previous ?? "–"}</span>
              </p>
            ) : null}
          </OpMessage>
        </div>
      </section>

      <section class="panel" aria-labelledby="install-h">
        <h2 id="install-h">Install from folder</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void install();
          }}
        >
          <div class="field">
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
              Nobody vouches for an unsigned model: it may have been changed by anyone who could write its folder.
              Install it only if you know where it came from. Your choice is written to the audit log. A signature that
              does not verify is refused even so.
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
              medications, or that knows too little of this store's codes. Overriding it is written to the audit log
              with the scores.
            </p>
          ) : null}
          <p class="muted small">
            The gate compares the candidate with the active model and with repeating the previous visit's medications
            on this store's held-out visits before it is made active.
          </p>
          <div class="op" data-testid="install-op">
            <div class="actions">
              <button type="submit" class="primary" disabled={installing} data-testid="install-model">
                {installing ? "Installing…" : "Install"}
              </button>
            </div>
            <OpMessage state={installOp} testid="install-message" />
          </div>
        </form>
        {gate ? <GateResult report={gate} testid="install-gate" /> : null}
      </section>

      <section class="panel" aria-labelledby="refine-h">
        <h2 id="refine-h">Refine on this store</h2>
        <p class="muted small">
          Trains a candidate on the patients in this store (on this computer), then compares it with the active
          model. Nothing is installed until you confirm.
        </p>
        <RefineEnvLine env={nav.info?.refine_env ?? null} />
        <div class="op" data-testid="refine-op">
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
            <button
              type="button"
              class="primary"
              onClick={() => void startRefining()}
              disabled={refining || nav.info?.refine_env.source === null}
              data-testid="start-refine"
            >
              {refining ? "Refining…" : "Refine on this store"}
            </button>
          </div>
          <OpMessage state={refineOp} testid="refine-message" />
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
            {confirmGate ? null : (
              <div class="actions">
                <button type="button" class="primary" onClick={() => void confirm()} data-testid="confirm-install">
                  Confirm install
                </button>
              </div>
            )}
            <OpMessage state={confirmOp} testid="confirm-message" />
            {confirmGate ? <GateResult report={confirmGate} testid="confirm-gate" /> : null}
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
  const [op, setOp] = useState<OpState>(IDLE);
  const run = async () => {
    setBusy(true);
    setOp({ status: "Evaluating the active model on this store's held-out visits…", error: null });
    try {
      const ev = await evaluateModel();
      setEvaluation(ev);
      setOp({ status: `Evaluated on ${ev.report.overall.visits} held-out visits of this store.`, error: null });
    } catch (e) {
      const err = e as IpcError;
      setOp(failed(err.code, operationErrorText("The evaluation did not run.", err)));
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
      <div class="op" data-testid="evaluate-op">
        <div class="actions">
          <button type="button" class="secondary" onClick={run} disabled={busy} data-testid="evaluate-model">
            {busy ? "Evaluating…" : "Evaluate on this store"}
          </button>
        </div>
        <OpMessage state={op} testid="evaluate-message" />
      </div>
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
