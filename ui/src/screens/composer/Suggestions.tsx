// The composer's answer: the ranked suggestions (with evidence, interaction warnings and the
// clinician's choice on each), the teacher's list beside them when compared, what the model did
// not know of the visit, and the interaction warnings of the whole answer.

import { useId } from "preact/hooks";
import type { Dispatch } from "preact/hooks";
import type { Answer } from "../../bindings/Answer";
import type { Code } from "../../bindings/Code";
import type { Finding } from "../../bindings/Finding";
import type { Recommendation } from "../../bindings/Recommendation";
import type { Suggestion } from "../../bindings/Suggestion";
import { CodePicker } from "../../CodePicker";
import { CodeName, ModelKindBadge, ProbabilityBar, SeverityTag, StatusBadge } from "../../components";
import { FindingsList, findingId } from "../../Findings";
import { ROLE_LABEL, nameOf, pct, severityRank, type Titles } from "../../format";
import { type Choice, type ComposerAction, UNDECIDED } from "./state";

const ACTION_LABEL: Record<Choice["action"], string> = {
  none: "Undecided",
  accept: "Accept",
  reject: "Reject",
  replace: "Replace",
};

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
  titles,
  dispatch,
}: {
  s: Suggestion;
  name: string;
  choice: Choice;
  titles: Titles;
  dispatch: Dispatch<ComposerAction>;
}) {
  const uid = useId();
  const onChange = (next: Choice) => dispatch({ type: "choose", medication: s.medication, choice: next });
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
              dispatch({ type: "learn", hit });
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
  choice,
  dispatch,
}: {
  s: Suggestion;
  rank: number;
  answer: Answer;
  titles: Titles;
  /** With a choice and a dispatch the card can be decided on; without, it is the compact (teacher) card. */
  choice?: Choice;
  dispatch?: Dispatch<ComposerAction>;
}) {
  const compact = !(choice && dispatch);
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
        {choice && dispatch ? (
          <div class="sugg-side">
            <DecisionControls s={s} name={name} choice={choice} titles={titles} dispatch={dispatch} />
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
  titles,
  dispatch,
}: {
  answer: Answer;
  teacherAnswer: Answer | null;
  choices: Record<Code, Choice>;
  titles: Titles;
  dispatch: Dispatch<ComposerAction>;
}) {
  return (
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
              titles={titles}
              choice={choices[s.medication] ?? UNDECIDED}
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

/** Every interaction among the screened drugs of the answer. */
export function InteractionWarnings({ rec, titles }: { rec: Recommendation; titles: Titles }) {
  return (
    <section aria-labelledby="ddi-h" class="panel">
      <h2 id="ddi-h">Interaction warnings</h2>
      <p class="muted small">
        Screened: the suggestions above the threshold and the current medications (
        {rec.current_medications.map((c) => nameOf(c, titles)).join(", ") || "none"}).
      </p>
      <FindingsList findings={rec.interactions} titles={titles} testid="interactions" />
    </section>
  );
}
