// Review mode, for a stored visit: the orders the visit actually has, beside the suggestions
// (which suggestion each falls under, or none), the suggested classes it did not order, and the
// interactions among its orders and the current medications. This is the pharmacist's check of
// the visit: the suggestions' own warnings screen only what is suggested, so without it a visit
// whose orders interact could read "no interaction".

import type { Answer } from "../../bindings/Answer";
import type { Finding } from "../../bindings/Finding";
import type { VisitReview } from "../../bindings/VisitReview";
import { FindingsList, type RoleLabels } from "../../Findings";
import { nameOf, plural, type Titles } from "../../format";

/** In a review the screened drugs are the visit's orders. */
const REVIEW_ROLES: RoleLabels = { suggested: "suggested", current: "current", checked: "ordered at this visit" };

export const REVIEW_NONE =
  "No interaction among this visit's orders and current medications in the loaded sources — this is not proof that the combination is safe.";

/** Graded (not "unknown") drug-level findings. */
export function gradedFindings(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.certainty === "drug" && f.severity !== "unknown");
}

export function VisitReviewPanel({ answer, review, titles }: { answer: Answer; review: VisitReview; titles: Titles }) {
  const current = answer.recommendation.current_medications;
  const graded = gradedFindings(review.interactions).length;
  return (
    <section aria-labelledby="review-h" class="panel review" id="visit-review" data-testid="visit-review">
      <h2 id="review-h">Review of this visit's orders</h2>
      <p class="muted small">
        What this visit actually ordered, beside the suggestions above, and every order screened against the other
        orders and the current medications ({current.map((c) => nameOf(c, titles)).join(", ") || "none"}). This is
        separate from the suggestions' interaction warnings.
      </p>

      <h3 class="review-sub">Orders ({review.orders.length})</h3>
      {review.orders.length ? (
        <ul class="review-orders" data-testid="review-orders">
          {review.orders.map((o) => {
            const title = titles[o.drug];
            return (
              <li
                key={`${o.drug}|${o.route ?? ""}`}
                class="review-order"
                data-testid="review-order"
                data-drug={o.drug}
                data-matches={o.suggested_class ?? ""}
              >
                <span class="review-order-name">
                  <strong>{title ?? o.written}</strong>
                  {o.route ? <span class="route"> {o.route}</span> : null} <code class="code">{o.drug}</code>
                  {title && title !== o.written ? (
                    <span class="muted small" data-testid="review-written">
                      {" "}
                      (as written: {o.written})
                    </span>
                  ) : null}
                </span>
                {o.suggested_class ? (
                  <span class="review-match" data-testid="review-match">
                    matches suggestion: {nameOf(o.suggested_class, titles)}
                  </span>
                ) : (
                  <span class="review-match review-unsuggested" data-testid="review-match">
                    not suggested
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      ) : (
        <p class="small" data-testid="review-no-orders">
          This visit has no order mapped to a drug code.
        </p>
      )}
      {review.unmapped_orders > 0 ? (
        <p class="banner banner-warn small" data-testid="review-unmapped" data-count={review.unmapped_orders}>
          {plural(review.unmapped_orders, "prescription")} of this visit {review.unmapped_orders === 1 ? "is" : "are"}{" "}
          not mapped to a drug code: not screened for interactions.
        </p>
      ) : (
        <p class="muted small" data-testid="review-unmapped" data-count="0">
          Every prescription of this visit is mapped to a drug code: none left unscreened.
        </p>
      )}

      <h3 class="review-sub">Suggested, not ordered ({review.suggested_not_ordered.length})</h3>
      {review.suggested_not_ordered.length ? (
        <ul class="review-not-ordered" data-testid="review-not-ordered">
          {review.suggested_not_ordered.map((c) => (
            <li key={c} data-code={c}>
              {nameOf(c, titles)} <code class="code">{c}</code>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted small" data-testid="review-not-ordered-none">
          Every class suggested above the threshold has an order at this visit.
        </p>
      )}

      <h3 class="review-sub">
        Interactions among this visit's orders and the current medications
        {graded ? <span class="muted"> ({plural(graded, "graded finding")})</span> : null}
      </h3>
      <FindingsList
        findings={review.interactions}
        titles={titles}
        testid="review-interactions"
        idPrefix="review"
        none={REVIEW_NONE}
        roles={REVIEW_ROLES}
      />
    </section>
  );
}
