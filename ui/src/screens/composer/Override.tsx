// The override form on a suggestion's card: accepting (or choosing a drug for, or replacing with)
// something in a major or contraindicated finding, or a suggestion safe mode withheld, needs a
// reason before it counts (state.ts `overrideNeed`, mirroring the service's `needs_override`).
// When the combination could not be screened (its interaction check failed), the reason is
// required all the same, and the form says so.

import { useId, useState } from "preact/hooks";
import type { Dispatch } from "preact/hooks";
import type { Code } from "../../bindings/Code";
import type { OverrideReason } from "../../bindings/OverrideReason";
import { SeverityTag } from "../../components";
import { duplicateText, isDuplicate } from "../../Findings";
import { nameOf, type Titles } from "../../format";
import {
  type ComposerAction,
  MAX_OVERRIDE_COMMENT,
  OVERRIDE_REASONS,
  type OverrideNeed,
  type Proposal,
  overrideProblem,
} from "./state";

/** After the form closes, focus the card's chosen decision so that keyboard users stay on the card. */
function refocus(card: Element | null) {
  requestAnimationFrame(() => card?.querySelector<HTMLInputElement>("[data-testid^=decision-]:checked")?.focus());
}

export function OverrideForm({
  medication,
  name,
  proposal,
  need,
  titles,
  dispatch,
}: {
  medication: Code;
  name: string;
  proposal: Proposal;
  need: OverrideNeed;
  titles: Titles;
  dispatch: Dispatch<ComposerAction>;
}) {
  const uid = useId();
  const [reason, setReason] = useState<OverrideReason | null>(null);
  const [comment, setComment] = useState("");
  const [msg, setMsg] = useState("");
  const verb = proposal.action === "replace" ? "Replacing" : "Accepting";
  const confirm = (e: Event) => {
    const problem = overrideProblem(reason, comment);
    if (problem) return setMsg(problem);
    const card = (e.currentTarget as HTMLElement).closest("[data-testid=suggestion]");
    dispatch({
      type: "confirm_override",
      medication,
      override: { reason: reason as OverrideReason, comment: comment.trim() || null },
    });
    refocus(card);
  };
  const cancel = (e: Event) => {
    const card = (e.currentTarget as HTMLElement).closest("[data-testid=suggestion]");
    dispatch({ type: "cancel_override", medication });
    refocus(card);
  };
  return (
    <div
      class="override-form"
      role="group"
      aria-labelledby={`${uid}-h`}
      data-testid="override-form"
      data-action={proposal.action}
      onKeyDown={(e) => {
        if (e.key === "Escape") cancel(e);
      }}
    >
      <p id={`${uid}-h`} class="override-head">
        <strong>
          {verb} {name} needs an override reason.
        </strong>{" "}
        It is not {proposal.action === "replace" ? "replaced" : "accepted"} until you confirm one.
      </p>
      <ul class="override-why" data-testid="override-findings">
        {need.withheld ? (
          <li data-testid="override-withheld">Safe mode withheld this suggestion because of an interaction warning.</li>
        ) : null}
        {need.findings.map((f) => (
          <li key={`${f.a}|${f.b}`} data-severity={f.severity} data-kind={f.kind ?? "interaction"}>
            <SeverityTag severity={f.severity} /> {isDuplicate(f) ? `${duplicateText(f)}: ` : ""}
            {nameOf(f.a, titles)} × {nameOf(f.b, titles)}
          </li>
        ))}
        {need.unscreened.length ? (
          <li data-testid="override-unscreened">
            The combination with {need.unscreened.map((c) => nameOf(c, titles)).join(", ")} could not be screened for
            interactions here{need.error ? ` (the check failed: ${need.error.message})` : ""}, so a reason is required; it
            is screened again when the decision is recorded.
          </li>
        ) : null}
      </ul>
      <fieldset class="override-reasons">
        <legend>Reason for the override</legend>
        {OVERRIDE_REASONS.map((r) => (
          <label key={r.id} class="override-reason">
            <input
              type="radio"
              name={`override-${uid}`}
              value={r.id}
              checked={reason === r.id}
              onChange={() => {
                setReason(r.id);
                setMsg("");
              }}
              data-testid={`override-${r.id}`}
            />
            {r.label}
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for={`${uid}-comment`}>Comment {reason === "other" ? "(required)" : "(optional)"}</label>
        <textarea
          id={`${uid}-comment`}
          rows={2}
          maxLength={MAX_OVERRIDE_COMMENT}
          value={comment}
          required={reason === "other"}
          onInput={(e) => {
            setComment((e.target as HTMLTextAreaElement).value);
            setMsg("");
          }}
          data-testid="override-comment"
        />
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick={confirm} data-testid="override-confirm">
          Confirm
        </button>
        <button type="button" class="secondary" onClick={cancel} data-testid="override-cancel">
          Cancel
        </button>
        {msg ? (
          <span class="form-msg" role="alert" data-testid="override-message">
            {msg}
          </span>
        ) : null}
      </div>
    </div>
  );
}
