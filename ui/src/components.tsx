// Small shared building blocks: badges, severity icon/tag, probability bar, bar chart,
// progress row, error banner and code labels.

import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";
import { SEVERITY_LABEL, STATUS_LABEL, num, pct } from "./format";
import { useNav } from "./nav";
import type { Code } from "./bindings/Code";
import type { IpcError } from "./bindings/IpcError";
import type { Severity } from "./bindings/Severity";
import type { Status } from "./bindings/Status";
import type { Titles } from "./format";

// ---------------------------------------------------------------- badges

export type Tone = "neutral" | "info" | "ok" | "warn" | "danger" | "synthetic";

export function Badge({ tone = "neutral", children, title }: { tone?: Tone; children: ComponentChildren; title?: string }) {
  return (
    <span class={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function SyntheticBadge() {
  return (
    <Badge tone="synthetic" title="Generated data, not a real person">
      synthetic
    </Badge>
  );
}

const STATUS_TONE: Record<Status, Tone> = {
  suggested: "ok",
  below_threshold: "neutral",
  withheld_interaction: "danger",
};

export function StatusBadge({ status }: { status: Status }) {
  return (
    <span data-testid="suggestion-status" data-status={status}>
      <Badge tone={STATUS_TONE[status]}>{STATUS_LABEL[status]}</Badge>
    </span>
  );
}

/** Model kind, with the fixture kind marked as not for clinical use. */
export function ModelKindBadge({ kind }: { kind: string }) {
  if (kind === "fixture")
    return (
      <Badge tone="warn" title="Test fixture with random weights">
        fixture – not for clinical use
      </Badge>
    );
  return <Badge tone="info">{kind}</Badge>;
}

// ---------------------------------------------------------------- severity

/** A shape per severity so that it never depends on colour alone. */
export function SeverityIcon({ severity }: { severity: Severity }) {
  const common = { width: 16, height: 16, viewBox: "0 0 16 16", "aria-hidden": true as const, class: "sev-icon" };
  switch (severity) {
    case "contraindicated": // stop sign
      return (
        <svg {...common}>
          <polygon points="5,1 11,1 15,5 15,11 11,15 5,15 1,11 1,5" fill="currentColor" />
          <rect x="4" y="7" width="8" height="2" fill="#fff" />
        </svg>
      );
    case "major": // warning triangle
      return (
        <svg {...common}>
          <polygon points="8,1 15.5,15 0.5,15" fill="currentColor" />
          <rect x="7" y="5.5" width="2" height="5" fill="#fff" />
          <rect x="7" y="11.5" width="2" height="2" fill="#fff" />
        </svg>
      );
    case "moderate": // diamond
      return (
        <svg {...common}>
          <polygon points="8,0.5 15.5,8 8,15.5 0.5,8" fill="currentColor" />
          <rect x="7" y="4" width="2" height="5" fill="#fff" />
          <rect x="7" y="10" width="2" height="2" fill="#fff" />
        </svg>
      );
    default: // open circle with a question mark
      return (
        <svg {...common}>
          <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="2" />
          <text x="8" y="11.5" text-anchor="middle" font-size="10" font-weight="700" fill="currentColor">
            ?
          </text>
        </svg>
      );
  }
}

export function SeverityTag({ severity }: { severity: Severity }) {
  return (
    <span class={`sev-tag sev-${severity}`} data-testid="severity" data-severity={severity}>
      <SeverityIcon severity={severity} />
      {SEVERITY_LABEL[severity]}
    </span>
  );
}

// ---------------------------------------------------------------- codes

/** "Warfarin ATC:B01AA03": the title when known, always the code. */
export function CodeName({ code, titles }: { code: Code; titles?: Titles }) {
  const title = titles?.[code];
  return (
    <span class="code-name">
      {title ? <span class="code-title">{title}</span> : null}
      <code class="code">{code}</code>
    </span>
  );
}

// ---------------------------------------------------------------- probability bar

export function ProbabilityBar({ probability, threshold }: { probability: number; threshold: number }) {
  const clamp = (x: number) => Math.max(0, Math.min(1, x));
  const above = probability >= threshold;
  return (
    <div class="prob" data-testid="probability">
      <div
        class="prob-track"
        role="img"
        aria-label={`Probability ${pct(probability)}; threshold ${pct(threshold)}`}
      >
        <div class={`prob-fill ${above ? "prob-above" : "prob-below"}`} style={{ width: pct(clamp(probability), 1) }} />
        <div class="prob-threshold" style={{ left: pct(clamp(threshold), 1) }} data-testid="threshold-marker" />
      </div>
      <span class="prob-value">{pct(probability)}</span>
    </div>
  );
}

// ---------------------------------------------------------------- progress

export function ProgressRow({
  label,
  done,
  total,
  note,
  complete = false,
}: {
  label: string;
  done: number;
  /** 0 (or null): not known, shown as an indeterminate bar. */
  total: number | null;
  note?: string | null;
  /** The whole job has ended: a stage without a total is shown as finished. */
  complete?: boolean;
}) {
  const known = typeof total === "number" && total > 0;
  return (
    <div class="progress-row" data-testid="progress-row">
      <div class="progress-label">
        <span>{label}</span>
        <span class="muted">{known ? `${done} / ${total}` : done > 0 ? `${done}` : ""}</span>
      </div>
      {known ? (
        <progress max={total} value={Math.min(done, total)} aria-label={label} />
      ) : complete ? (
        <progress max={1} value={1} aria-label={label} />
      ) : (
        <progress aria-label={label} />
      )}
      {note ? <div class="muted small">{note}</div> : null}
    </div>
  );
}

// ---------------------------------------------------------------- errors

export function ErrorBanner({ error, onDismiss }: { error: IpcError | null; onDismiss?: () => void }) {
  const nav = useNav();
  if (!error) return null;
  return (
    <div class="banner banner-error" role="alert" data-testid="error-banner" data-code={error.code}>
      <p>
        <strong>Error:</strong> {error.message}
      </p>
      {error.code === "model_unavailable" ? (
        <p>
          No usable model is installed.{" "}
          <button type="button" class="link-button" onClick={() => nav.go("model")}>
            Open the Model screen
          </button>{" "}
          to install one or roll back.
        </p>
      ) : null}
      {onDismiss ? (
        <button type="button" class="secondary small" onClick={onDismiss}>
          Dismiss
        </button>
      ) : null}
    </div>
  );
}

// ---------------------------------------------------------------- bar chart

export interface ChartGroup {
  label: string;
  values: (number | null)[];
}

const SERIES_COLOURS = ["#1a5fb4", "#c64600", "#3d3846", "#26a269"];

/**
 * Grouped vertical bar chart of values in 0–1 as inline SVG, with the numbers written on
 * the bars and a table of the same values for screen readers and copy-paste.
 */
export function BarChart({
  title,
  series,
  groups,
  testid,
}: {
  title: string;
  series: string[];
  groups: ChartGroup[];
  testid?: string;
}) {
  const id = useId();
  const barW = 26;
  const gap = 6;
  const groupGap = 28;
  const left = 40;
  const top = 16;
  const plotH = 160;
  const bottom = 44;
  const groupW = series.length * barW + (series.length - 1) * gap;
  const width = left + groups.length * groupW + (groups.length + 1) * groupGap;
  const height = top + plotH + bottom;
  const y = (v: number) => top + plotH - Math.max(0, Math.min(1, v)) * plotH;
  return (
    <figure class="chart" data-testid={testid}>
      <svg
        role="img"
        aria-labelledby={`${id}-t`}
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        class="chart-svg"
      >
        <title id={`${id}-t`}>{title}</title>
        {[0, 0.25, 0.5, 0.75, 1].map((t) => (
          <g key={t}>
            <line x1={left} x2={width - 4} y1={y(t)} y2={y(t)} class="chart-grid" />
            <text x={left - 6} y={y(t) + 4} text-anchor="end" class="chart-axis">
              {t.toFixed(2)}
            </text>
          </g>
        ))}
        {groups.map((g, gi) => {
          const x0 = left + groupGap + gi * (groupW + groupGap);
          return (
            <g key={g.label} data-group={g.label.replace("\n", " ")}>
              {g.values.map((v, si) =>
                v === null ? null : (
                  <g key={si}>
                    <rect
                      x={x0 + si * (barW + gap)}
                      y={y(v)}
                      width={barW}
                      height={Math.max(1, top + plotH - y(v))}
                      fill={SERIES_COLOURS[si % SERIES_COLOURS.length]}
                      class="chart-bar"
                      data-series={series[si]}
                      data-value={v}
                    />
                    <text x={x0 + si * (barW + gap) + barW / 2} y={y(v) - 3} text-anchor="middle" class="chart-value">
                      {v.toFixed(2)}
                    </text>
                  </g>
                ),
              )}
              {g.label.split("\n").map((line, li) => (
                <text key={li} x={x0 + groupW / 2} y={top + plotH + 16 + li * 14} text-anchor="middle" class="chart-label">
                  {line}
                </text>
              ))}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <strong>{title}</strong>
        <ul class="chart-legend" aria-label="Legend">
          {series.map((s, si) => (
            <li key={s}>
              <span class="swatch" style={{ background: SERIES_COLOURS[si % SERIES_COLOURS.length] }} aria-hidden="true" />
              {s}
            </li>
          ))}
        </ul>
        <details>
          <summary>Show values as a table</summary>
          <table class="data-table compact">
            <thead>
              <tr>
                <th scope="col">Group</th>
                {series.map((s) => (
                  <th scope="col" key={s}>
                    {s}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={g.label}>
                  <th scope="row">{g.label.replace("\n", " ")}</th>
                  {g.values.map((v, i) => (
                    <td key={i}>{num(v)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figcaption>
    </figure>
  );
}

/** A definition list of label → value pairs. */
export function KeyValues({ items, testid }: { items: [string, ComponentChildren][]; testid?: string }) {
  return (
    <dl class="kv" data-testid={testid}>
      {items.map(([k, v]) => (
        <div key={k} class="kv-row">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
