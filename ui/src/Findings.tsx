// Interaction findings, shared by the visit composer and the pharmacist check.
// Pairs known only from adjacency tables (severity "unknown", no text) are collapsed into a
// count so that they do not bury the graded warnings. Class-level findings (a class broader than
// the rule: only some of its drugs interact) are collapsed as "possible", never styled with their
// rule's severity, so that they cannot pass for a drug-level contraindication.

import { SeverityTag } from "./components";
import { ROLE_LABEL, SEVERITY_LABEL, nameOf, plural, severityRank } from "./format";
import type { Finding } from "./bindings/Finding";
import type { InteractionRule } from "./bindings/InteractionRule";
import type { Role } from "./bindings/Role";
import type { Titles } from "./format";

/** How each side's role is named ("current", "suggested"; a review names its orders "ordered"). */
export type RoleLabels = Record<Role, string>;

function Side({
  code,
  role,
  titles,
  roles = ROLE_LABEL,
}: {
  code: string;
  role: Finding["a_role"];
  titles: Titles;
  roles?: RoleLabels;
}) {
  return (
    <span class="pair-side">
      <strong>{nameOf(code, titles)}</strong> <code class="code">{code}</code>
      {roles[role] ? <span class="muted" data-testid="role"> ({roles[role]})</span> : null}
    </span>
  );
}

export function certaintyText(f: Finding): string {
  return f.certainty === "drug"
    ? "Drug-level: both drugs fall under the rule."
    : "Class-level: a medication class broader than the rule; some of its members interact.";
}

/** One rule; `plain`: its severity in words, without the severity colours (class-level findings). */
function Rule({ rule, plain = false }: { rule: InteractionRule; plain?: boolean }) {
  return (
    <li class="rule" data-testid="rule" data-source={rule.source}>
      <div class="rule-head">
        {plain ? (
          <span class="rule-sev-plain" data-testid="rule-severity-plain">
            for the drugs it names: {SEVERITY_LABEL[rule.severity].toLowerCase()}
          </span>
        ) : (
          <SeverityTag severity={rule.severity} />
        )}
        <span>
          Source: <strong data-testid="rule-source">{rule.source}</strong> · rule{" "}
          <code class="code">{rule.a}</code> × <code class="code">{rule.b}</code>
        </span>
      </div>
      {rule.mechanism ? (
        <p>
          <span class="field-label">Mechanism:</span> <span data-testid="mechanism">{rule.mechanism}</span>
        </p>
      ) : null}
      {rule.management ? (
        <p>
          <span class="field-label">Management:</span> <span data-testid="management">{rule.management}</span>
        </p>
      ) : null}
      {rule.reference ? (
        <p class="small">
          <span class="field-label">Reference:</span> <span data-testid="reference">{rule.reference}</span>
        </p>
      ) : null}
    </li>
  );
}

const isBare = (r: InteractionRule) => r.severity === "unknown" && !r.mechanism && !r.management && !r.reference;

/** Whether a finding is a duplicate therapy (two drugs of one class) rather than an interaction. */
export const isDuplicate = (f: Finding) => f.kind === "duplicate_therapy";

/** "Duplicate therapy: both are anticoagulants". */
export function duplicateText(f: Finding): string {
  return `Duplicate therapy: both are ${f.duplicate_class ?? "of the same class"}`;
}

/** A stable element id for a finding, for in-page links to its card. */
export function findingId(f: Finding, prefix = "finding"): string {
  return `${prefix}-${f.a}-${f.b}`.replace(/[^A-Za-z0-9_-]/g, "_");
}

/** A finding in full; a class-level one as a `PossibleFinding`, opened. */
export function FindingCard({
  finding,
  titles,
  id,
  roles,
}: {
  finding: Finding;
  titles: Titles;
  id?: string;
  roles?: RoleLabels;
}) {
  const duplicate = isDuplicate(finding);
  if (finding.certainty === "class" && !duplicate)
    return <PossibleFinding finding={finding} titles={titles} id={id} open />;
  const graded = finding.rules.filter((r) => !isBare(r));
  const bare = finding.rules.filter(isBare);
  const pairText = `${nameOf(finding.a, titles)} and ${nameOf(finding.b, titles)}`;
  return (
    <article
      class={`finding sev-border-${finding.severity}${duplicate ? " finding-duplicate" : ""}`}
      id={id}
      tabIndex={-1}
      data-testid="finding"
      data-a={finding.a}
      data-b={finding.b}
      data-severity={finding.severity}
      data-kind={duplicate ? "duplicate_therapy" : "interaction"}
      aria-label={
        duplicate
          ? `${finding.severity} duplicate therapy: ${pairText}`
          : `${finding.severity} interaction: ${pairText}`
      }
    >
      {duplicate ? (
        <p class="duplicate-label" data-testid="duplicate-therapy">
          <strong>{duplicateText(finding)}</strong>
        </p>
      ) : null}
      <header class="finding-head">
        <SeverityTag severity={finding.severity} />
        <span class="pair">
          <Side code={finding.a} role={finding.a_role} titles={titles} roles={roles} /> ×{" "}
          <Side code={finding.b} role={finding.b_role} titles={titles} roles={roles} />
        </span>
      </header>
      {duplicate ? null : (
        <p class="small" data-testid="certainty" data-certainty={finding.certainty}>
          {certaintyText(finding)}
        </p>
      )}
      {graded.length ? <ul class="rules">{graded.map((r, i) => <Rule key={i} rule={r} />)}</ul> : null}
      {bare.length ? (
        <p class="muted small">
          Also listed without a severity by: {Array.from(new Set(bare.map((r) => r.source))).join(", ")}.
        </p>
      ) : null}
    </article>
  );
}

/** Whether a rule's side `r` is `code` or lies within it or above it (ATC codes nest by prefix). */
const covers = (code: string, r: string) => r.startsWith(code) || code.startsWith(r);

/**
 * "possible: some drugs of this class interact with Clarithromycin (e.g. Ticagrelor)": what a
 * class-level finding says, naming a drug of its strongest rule as the example.
 */
export function possibleText(f: Finding, titles: Titles): string {
  const rule = [...f.rules].sort((x, y) => severityRank(y.severity) - severityRank(x.severity))[0];
  if (!rule) return `possible: some drugs of ${nameOf(f.a, titles)} interact with ${nameOf(f.b, titles)}`;
  // Orient the rule to the finding: ra is the rule's side for f.a.
  const [ra, rb] = covers(f.a, rule.a) && covers(f.b, rule.b) ? [rule.a, rule.b] : [rule.b, rule.a];
  // A side is a class here when the rule names something narrower inside it.
  const aClass = ra !== f.a && ra.startsWith(f.a);
  const bClass = rb !== f.b && rb.startsWith(f.b);
  const n = (c: string) => nameOf(c, titles);
  if (aClass && bClass)
    return `possible: some drugs of ${n(f.a)} interact with some drugs of ${n(f.b)} (e.g. ${n(ra)} with ${n(rb)})`;
  const [cls, eg, other] = bClass ? [f.b, rb, f.a] : [f.a, ra, f.b];
  return `possible: some drugs of this class (${n(cls)}) interact with ${n(other)} (e.g. ${n(eg)})`;
}

/** A class-level finding, collapsed: the possibility in one line, the rules inside, no severity colours. */
export function PossibleFinding({
  finding,
  titles,
  id,
  open = false,
}: {
  finding: Finding;
  titles: Titles;
  id?: string;
  open?: boolean;
}) {
  const graded = finding.rules.filter((r) => !isBare(r));
  return (
    <details
      class="finding-possible"
      id={id}
      open={open}
      data-testid="possible-finding"
      data-a={finding.a}
      data-b={finding.b}
      data-certainty={finding.certainty}
    >
      <summary data-testid="possible-text">{possibleText(finding, titles)}</summary>
      <p class="small" data-testid="certainty" data-certainty={finding.certainty}>
        {certaintyText(finding)} Whether this pair interacts depends on which drug of the class is ordered.
      </p>
      {graded.length ? (
        <ul class="rules">
          {graded.map((r, i) => (
            <Rule key={i} rule={r} plain />
          ))}
        </ul>
      ) : null}
    </details>
  );
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((x, y) => severityRank(y.severity) - severityRank(x.severity));
}

export function FindingsList({
  findings,
  titles,
  testid,
  idPrefix = "finding",
  none = "No contraindicated, major or moderate interaction was found in the loaded sources. This is not proof that the combination is safe.",
  roles,
}: {
  findings: Finding[];
  titles: Titles;
  testid?: string;
  idPrefix?: string;
  /** What to say when there is no graded drug-level finding (it must say that this is no proof of safety). */
  none?: string;
  roles?: RoleLabels;
}) {
  const graded = sortFindings(
    findings.filter((f) => f.severity !== "unknown" && (f.certainty !== "class" || isDuplicate(f))),
  );
  const possible = sortFindings(
    findings.filter((f) => f.severity !== "unknown" && f.certainty === "class" && !isDuplicate(f)),
  );
  const unknown = findings.filter((f) => f.severity === "unknown" && !isDuplicate(f));
  const unknownDup = findings.filter((f) => f.severity === "unknown" && isDuplicate(f));
  return (
    <div class="findings" data-testid={testid}>
      {graded.length === 0 ? (
        <p data-testid="no-graded-findings">
          {none}
          {possible.length ? " Class-level possibilities follow: they depend on the drug ordered." : ""}
        </p>
      ) : (
        graded.map((f) => (
          <FindingCard key={`${f.a}|${f.b}`} finding={f} titles={titles} id={findingId(f, idPrefix)} roles={roles} />
        ))
      )}
      {possible.length ? (
        <div class="possible-findings" data-testid="possible-findings" data-count={possible.length}>
          {possible.map((f) => (
            <PossibleFinding key={`${f.a}|${f.b}`} finding={f} titles={titles} id={findingId(f, idPrefix)} />
          ))}
        </div>
      ) : null}
      {unknownDup.map((f) => (
        <FindingCard key={`${f.a}|${f.b}`} finding={f} titles={titles} id={findingId(f, idPrefix)} roles={roles} />
      ))}
      {unknown.length ? (
        <details class="unknown-pairs" data-testid="unknown-pairs" data-count={unknown.length}>
          <summary>
            {plural(unknown.length, "further pair")} listed in adjacency tables without a severity
          </summary>
          <p class="small muted">
            These pairs were reported together in pharmacovigilance data (e.g. TWOSIDES); the source gives no
            severity, mechanism or management.
          </p>
          <ul class="small">
            {unknown.map((f) => (
              <li key={`${f.a}|${f.b}`}>
                {nameOf(f.a, titles)} × {nameOf(f.b, titles)}{" "}
                <span class="muted">
                  ({Array.from(new Set(f.rules.map((r) => r.source))).join(", ")})
                </span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
