// The composer's answer: the ranked suggestions (each with its candidate ingredients, evidence by
// kind, interaction warnings and the clinician's choice), the teacher's list beside them when
// compared, what the model did not know of the visit, and the interaction warnings of what is
// chosen (recomputed on each pick, see state.ts `withPicks`).

import { useId } from "preact/hooks";
import type { Dispatch } from "preact/hooks";
import type { Answer } from "../../bindings/Answer";
import type { Choice } from "../../bindings/Choice";
import type { Code } from "../../bindings/Code";
import type { Finding } from "../../bindings/Finding";
import type { Recommendation } from "../../bindings/Recommendation";
import type { Suggestion } from "../../bindings/Suggestion";
import { CodePicker } from "../../CodePicker";
import { CodeName, ModelKindBadge, ProbabilityBar, SeverityTag, StatusBadge } from "../../components";
import { FindingsList, findingId } from "../../Findings";
import { EVIDENCE_KIND_LABEL, ROLE_LABEL, candidateText, nameOf, pct, plural, pts, severityRank, type Titles } from "../../format";
import { OverrideForm } from "./Override";
import { gradedFindings } from "./Review";
import {
  type ComposerAction,
  type Proposal,
  type Screenings,
  type Selection,
  OVERRIDE_LABEL,
  UNDECIDED,
  activeSet,
  findingsAmong,
  overrideNeed,
  pickCode,
  pickOf,
  seriousFindings,
  withProposal,
} from "./state";

const ACTION_LABEL: Record<Selection["action"], string> = {
  none: "Undecided",
  accept: "Accept",
  reject: "Reject",
  replace: "Replace",
};

type Warning = { f: Finding; other: Code; otherRole: Finding["a_role"] };

function warningsFor(med: Code, findings: Finding[]): Warning[] {
  return findings
    .filter((f) => f.severity !== "unknown")
    .filter((f) => (f.a === med && f.a_role === "suggested") || (f.b === med && f.b_role === "suggested"))
    .sort((x, y) => severityRank(y.severity) - severityRank(x.severity))
    .map((f) => (f.a === med ? { f, other: f.b, otherRole: f.b_role } : { f, other: f.a, otherRole: f.a_role }));
}

/** A decidable suggestion's warnings: its pick against the current medications and the other picks. */
function pickWarnings(s: Suggestion, answer: Answer, choices: Record<Code, Selection>): Warning[] {
  const pick = pickCode(s, choices);
  const screened = activeSet(answer, choices).add(pick);
  return warningsFor(pick, findingsAmong(answer, screened));
}

const samePick = (x: Choice, y: Choice) =>
  x.kind === y.kind && (x.kind === "class_only" || (y.kind === "drug" && x.drug === y.drug && x.route === y.route));

/** The concrete drugs of a suggested class, each a choice (one click), and "class only". */
function Candidates({
  s,
  name,
  choices,
  titles,
  dispatch,
}: {
  s: Suggestion;
  name: string;
  choices: Record<Code, Selection>;
  titles: Titles;
  dispatch: Dispatch<ComposerAction>;
}) {
  const uid = useId();
  const current = pickOf(s, choices);
  const pick = (p: Choice) => dispatch({ type: "pick", medication: s.medication, pick: p });
  const classOnly: Choice = { kind: "class_only" };
  return (
    <fieldset class="candidates" data-testid="candidates" data-pick={pickCode(s, choices)}>
      <legend class="sr-only">What to order for {name}</legend>
      {s.candidates.length === 0 ? (
        <p class="cand-none muted small" data-testid="no-candidates">
          No ingredient of this class ordered in this store — class only
        </p>
      ) : (
        <ul class="cand-list">
          {s.candidates.map((c, i) => {
            const p: Choice = { kind: "drug", drug: c.drug, route: c.route };
            const checked = samePick(current, p);
            const { lead, reason } = candidateText(c, titles);
            return (
              <li key={`${c.drug}|${c.route ?? ""}`}>
                <label class={`cand${checked ? " checked" : ""}`}>
                  <input
                    type="radio"
                    name={`pick-${uid}`}
                    checked={checked}
                    onChange={() => pick(p)}
                    data-testid="candidate"
                    data-drug={c.drug}
                    data-route={c.route ?? ""}
                    data-basis={c.basis.kind}
                  />
                  <span class="cand-text">
                    <strong>{lead}</strong> — <span data-testid="candidate-basis">{reason}</span>{" "}
                    <code class="code">{c.drug}</code>
                    {i === 0 ? <span class="muted small"> (default)</span> : null}
                  </span>
                </label>
              </li>
            );
          })}
          <li>
            <label class={`cand cand-class${current.kind === "class_only" ? " checked" : ""}`}>
              <input
                type="radio"
                name={`pick-${uid}`}
                checked={current.kind === "class_only"}
                onChange={() => pick(classOnly)}
                data-testid="candidate-class-only"
              />
              <span class="cand-text">class only: {name}, no ingredient chosen</span>
            </label>
          </li>
        </ul>
      )}
    </fieldset>
  );
}

/** The evidence by kind of input: each kind's contribution and its top codes; or "evidence weak". */
function EvidenceGroups({ s, titles }: { s: Suggestion; titles: Titles }) {
  const groups = (
    <ul class="ev-groups">
      {s.evidence_groups.map((g) => (
        <li key={g.kind} data-testid="evidence-group" data-kind={g.kind}>
          <span class="ev-kind">{EVIDENCE_KIND_LABEL[g.kind]}</span>{" "}
          <span class={`delta${g.delta < 0 ? " delta-neg" : ""}`} data-testid="group-delta">
            {pts(g.delta)}
          </span>
          {g.top.length ? (
            <>
              {" — "}
              <ul class="ev-codes">
                {g.top.map((e, i) => (
                  <li key={e.code}>
                    {i > 0 ? " · " : ""}
                    <CodeName code={e.code} titles={titles} />{" "}
                    <span class="delta" data-testid="delta">
                      {pts(e.delta)}
                    </span>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </li>
      ))}
    </ul>
  );
  if (s.evidence_weak)
    return (
      <div class="evidence evidence-weak" data-testid="evidence" data-weak="true">
        <p data-testid="evidence-weak">
          <strong>Evidence weak for this suggestion</strong>: no input, alone or with the others, accounts for much of
          its probability
          {s.evidence_drop !== null ? ` (removing the strongest together: ${pts(s.evidence_drop)})` : ""}; it rests on
          the visit as a whole, and the inputs below are not its reasons.
        </p>
        {s.evidence_groups.length ? (
          <details>
            <summary>What removing each kind of input does</summary>
            {groups}
          </details>
        ) : null}
      </div>
    );
  if (!s.evidence_groups.length) return null;
  return (
    <div class="evidence" data-testid="evidence" data-weak="false">
      <h4>
        Evidence: probability points lost without each kind of input
        {s.evidence_drop !== null ? <span class="muted"> (the strongest codes together: {pts(s.evidence_drop)})</span> : null}
      </h4>
      {groups}
    </div>
  );
}

function DecisionControls({
  s,
  name,
  choice,
  proposal,
  answer,
  choices,
  screens,
  titles,
  dispatch,
}: {
  s: Suggestion;
  name: string;
  choice: Selection;
  /** A decision awaiting its override reason, or the check of its combination. */
  proposal: Proposal | null;
  answer: Answer;
  choices: Record<Code, Selection>;
  screens: Screenings;
  titles: Titles;
  dispatch: Dispatch<ComposerAction>;
}) {
  const uid = useId();
  const onChange = (next: Pick<Selection, "action" | "replacement">) =>
    dispatch({ type: "choose", medication: s.medication, choice: next });
  const shown = proposal ?? choice;
  const withheld = s.status === "withheld_interaction";
  const label = (a: Selection["action"]) => (a === "accept" && withheld ? "Accept anyway…" : ACTION_LABEL[a]);
  // The form: for a proposal, or for a decision whose reason is missing or no longer fits; while
  // the combination is being checked, only for a warning known already (the check says whether
  // there is one to give a reason for).
  const tentative = proposal ? withProposal(choices, s.medication, proposal) : choices;
  const need =
    shown.action === "none" || shown.action === "reject" ? null : overrideNeed(answer, tentative, s.medication, screens);
  const checking = need?.source === "checking";
  const formFor: Proposal | null =
    checking && !need?.needed
      ? null
      : (proposal ??
        (need?.needed && (!choice.override || choice.overrideFor !== need.key) && choice.action !== "none"
          ? { action: choice.action as Proposal["action"], replacement: choice.replacement }
          : null));
  const pending = formFor !== null || checking;
  return (
    <fieldset
      class="decision"
      data-testid="decision"
      data-pending={pending ? "true" : "false"}
      data-checking={checking ? "true" : "false"}
    >
      <legend>Decision for {name}</legend>
      <div class="segmented">
        {(["none", "accept", "reject", "replace"] as const).map((a) => (
          <label key={a} class={`seg seg-${a}${shown.action === a ? " checked" : ""}${pending && shown.action === a ? " pending" : ""}`}>
            <input
              type="radio"
              name={`decision-${uid}`}
              value={a}
              checked={shown.action === a}
              onChange={() => onChange({ action: a, replacement: a === "replace" ? shown.replacement : null })}
              data-testid={`decision-${a}`}
            />
            {label(a)}
          </label>
        ))}
      </div>
      {shown.action === "replace" ? (
        shown.replacement ? (
          <p class="replacement" data-testid="replacement">
            Replace with <CodeName code={shown.replacement} titles={titles} />{" "}
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
              dispatch({ type: "learn", hit });
              onChange({ action: "replace", replacement: hit.code });
            }}
          />
        )
      ) : null}
      {checking ? (
        <p class="override-checking small" role="status" data-testid="override-checking">
          Checking {shown.action === "replace" ? "the replacement" : "this order"} for interactions with the current
          medications and the other decisions…{" "}
          {proposal && !formFor
            ? "It counts once the check finds no major or contraindicated warning."
            : "It cannot be recorded until the check is done."}
        </p>
      ) : null}
      {formFor && need ? (
        <OverrideForm
          key={need.key}
          medication={s.medication}
          name={name}
          proposal={formFor}
          need={need}
          titles={titles}
          dispatch={dispatch}
        />
      ) : choice.override && choice.action !== "none" ? (
        <p class="override-given small" data-testid="override-given" data-reason={choice.override.reason}>
          Override: {OVERRIDE_LABEL[choice.override.reason]}
          {choice.override.comment ? ` — “${choice.override.comment}”` : ""}
        </p>
      ) : null}
    </fieldset>
  );
}

function SuggestionCard({
  s,
  rank,
  answer,
  titles,
  choices,
  proposals,
  screens,
  dispatch,
}: {
  s: Suggestion;
  rank: number;
  answer: Answer;
  titles: Titles;
  proposals?: Record<Code, Proposal>;
  screens?: Screenings;
  /** With the choices and a dispatch the card can be decided on; without, it is the compact (teacher) card. */
  choices?: Record<Code, Selection>;
  dispatch?: Dispatch<ComposerAction>;
}) {
  const rec = answer.recommendation;
  const name = s.name ?? nameOf(s.medication, titles);
  const warnings = choices ? pickWarnings(s, answer, choices) : warningsFor(s.medication, rec.interactions);
  const compact = !(choices && dispatch);
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
                <li key={`${f.a}|${f.b}`} data-severity={f.severity} data-certainty={f.certainty}>
                  {f.certainty === "drug" ? <SeverityTag severity={f.severity} /> : <span class="possible-tag">Possible</span>}{" "}
                  with <strong>{nameOf(other, titles)}</strong>
                  {ROLE_LABEL[otherRole] ? ` (${ROLE_LABEL[otherRole]})` : ""} ·{" "}
                  {f.certainty === "drug" ? "drug-level" : "class-level: depends on the drug ordered"}
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
        </div>
        {choices && dispatch ? (
          <>
            <div class="sugg-side">
              <DecisionControls
                s={s}
                name={name}
                choice={choices[s.medication] ?? UNDECIDED}
                proposal={proposals?.[s.medication] ?? null}
                answer={answer}
                choices={choices}
                screens={screens ?? {}}
                titles={titles}
                dispatch={dispatch}
              />
            </div>
            <div class="sugg-detail">
              <Candidates s={s} name={name} choices={choices} titles={titles} dispatch={dispatch} />
              <EvidenceGroups s={s} titles={titles} />
            </div>
          </>
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

/** What the model does not know of the visit: a refusal when it knows too little of the
 * current visit to answer, otherwise the unknown codes right above the suggestions. */
export function CoverageBanner({ rec, titles }: { rec: Recommendation; titles: Titles }) {
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

/** The active model's list (decidable), beside the teacher's (read-only) when compared. */
export function SuggestionLists({
  answer,
  teacherAnswer,
  choices,
  proposals,
  screens,
  titles,
  dispatch,
}: {
  answer: Answer;
  teacherAnswer: Answer | null;
  choices: Record<Code, Selection>;
  proposals: Record<Code, Proposal>;
  screens: Screenings;
  titles: Titles;
  dispatch: Dispatch<ComposerAction>;
}) {
  return (
    <div class={teacherAnswer ? "compare-grid" : ""}>
      <section aria-labelledby="primary-list-h" data-testid="primary-list">
        <ListHeader label={teacherAnswer ? "Active model" : "Suggestions"} answer={answer} testid="primary-list" />
        <p class="cand-note small" data-testid="candidates-note">
          Under each class: the ingredients to choose from, by what was ordered in this store — statistics of past
          practice in this store, not a dosing recommendation. The first is chosen unless you choose another.
        </p>
        <ol class="suggestions">
          {answer.recommendation.suggestions.map((s, i) => (
            <SuggestionCard
              key={s.medication}
              s={s}
              rank={i + 1}
              answer={answer}
              titles={titles}
              choices={choices}
              proposals={proposals}
              screens={screens}
              dispatch={dispatch}
            />
          ))}
        </ol>
      </section>
      {teacherAnswer ? (
        <section aria-labelledby="teacher-list-h" data-testid="teacher-list">
          <ListHeader label="Teacher" answer={teacherAnswer} testid="teacher-list" />
          <ol class="suggestions">
            {teacherAnswer.recommendation.suggestions.map((s, i) => (
              <SuggestionCard key={s.medication} s={s} rank={i + 1} answer={teacherAnswer} titles={titles} />
            ))}
          </ol>
        </section>
      ) : null}
    </div>
  );
}

/** Every interaction among what is chosen: `rec.interactions` follows the picks (state.ts `withPicks`).
 * For a stored visit whose own orders have graded findings, a pointer to the review below, so that
 * "no interaction" here is never read as being about the visit's orders. */
export function InteractionWarnings({ answer, titles }: { answer: Answer; titles: Titles }) {
  const rec = answer.recommendation;
  const reviewGraded = answer.review ? gradedFindings(answer.review.interactions) : [];
  const reviewSerious = answer.review ? seriousFindings(answer.review.interactions).length : 0;
  return (
    <section aria-labelledby="ddi-h" class="panel" data-testid="interaction-panel">
      <h2 id="ddi-h">Interaction warnings</h2>
      <p class="muted small">
        Screened: the current medications (
        {rec.current_medications.map((c) => nameOf(c, titles)).join(", ") || "none"}) and, for each suggestion above
        the threshold, the ingredient chosen under it (its class when "class only" is chosen). Updated with each
        choice.
      </p>
      {reviewGraded.length ? (
        <p class={`banner ${reviewSerious ? "banner-warn" : "banner-info"}`} data-testid="review-pointer">
          <strong>This visit's own orders:</strong>{" "}
          {reviewSerious
            ? plural(reviewSerious, "major or contraindicated interaction warning")
            : plural(reviewGraded.length, "graded interaction warning")}{" "}
          among them and the current medications — see <a href="#visit-review">Review of this visit's orders</a>{" "}
          below. The warnings here cover the suggestions only.
        </p>
      ) : null}
      <FindingsList findings={rec.interactions} titles={titles} testid="interactions" />
    </section>
  );
}
