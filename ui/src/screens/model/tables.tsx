// The Model screen's readable tables (provenance, metrics with their meanings) and the
// message shown beside the control whose operation produced it.

import type { ComponentChildren } from "preact";
import type { JsonValue } from "../../bindings/serde_json/JsonValue";
import { type InfoRow, type MetricSection, provenanceRows } from "./describe";

/** A manifest's provenance as a two-column table; the raw JSON stays one click away. */
export function ProvenanceTable({
  provenance,
  extra = [],
  caption,
  testid,
}: {
  provenance: JsonValue | undefined;
  extra?: InfoRow[];
  caption: string;
  testid: string;
}) {
  const rows = [...extra, ...provenanceRows(provenance)];
  const hasRaw = provenance !== undefined && provenance !== null;
  return (
    <div class="model-box">
      {rows.length ? (
        <div class="table-scroll">
          <table class="data-table info-table" data-testid={testid}>
            <caption>{caption}</caption>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} data-key={r.key}>
                  <th scope="row">{r.label}</th>
                  <td class={r.mono ? "mono break" : undefined}>{r.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted" data-testid={testid}>
          {caption}: this model's manifest records no provenance.
        </p>
      )}
      {hasRaw ? (
        <details class="raw-manifest" data-testid={`${testid}-raw`}>
          <summary>Raw manifest provenance (JSON)</summary>
          <pre class="json small">{JSON.stringify(provenance, null, 2)}</pre>
        </details>
      ) : null}
    </div>
  );
}

/** Each score in a row: its value, what it means, and the visits it was measured on. */
export function MetricsTable({ sections, testid }: { sections: MetricSection[]; testid: string }) {
  if (!sections.length) return null;
  return (
    <div class="table-scroll model-box">
      <table class="data-table metrics-table" data-testid={testid}>
        <caption>The scores and what they mean (0–1 unless stated; higher is better except the DDI rate)</caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col" class="num">
              Value
            </th>
            <th scope="col">What it means</th>
            <th scope="col">Measured on</th>
          </tr>
        </thead>
        {sections.map((s) => (
          <tbody key={s.key} data-section={s.key}>
            <tr class="section-row">
              <th scope="rowgroup" colSpan={4}>
                {s.title}
              </th>
            </tr>
            {s.rows.map((r) => (
              <tr key={r.key} data-testid="metric-row" data-metric={r.key}>
                <th scope="row">{r.label}</th>
                <td class="num">{r.value}</td>
                <td>{r.meaning}</td>
                <td>{r.measuredOn}</td>
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </div>
  );
}

export interface OpState {
  /** In progress or done: announced politely. */
  status: string;
  /** A failure, already worded for a person. */
  error: { code: string; text: string } | null;
}

export const IDLE: OpState = { status: "", error: null };

/**
 * The result of one operation, placed right under the control that started it: a polite
 * status line (always present, so screen readers announce its changes) and an alert.
 */
export function OpMessage({ state, testid, children }: { state: OpState; testid: string; children?: ComponentChildren }) {
  return (
    <div class="op-message" data-testid={testid}>
      <p class="status-line" role="status" aria-live="polite" data-testid={`${testid}-status`}>
        {state.status}
      </p>
      {state.error ? (
        <div class="banner banner-error" role="alert" data-testid="error-banner" data-code={state.error.code}>
          <p>{state.error.text}</p>
        </div>
      ) : null}
      {children}
    </div>
  );
}
