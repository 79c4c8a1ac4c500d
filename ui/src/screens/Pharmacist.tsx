// Pharmacist check: any list of drugs → `check_interactions` → a drugs × drugs matrix
// coloured by the worst severity, with each cell opening its findings, and the full list.
// Duplicate therapy (two drugs of one therapeutic class) is its own kind of finding, named as
// such in the matrix and the status line. Results are marked stale once the list changes.

import { useEffect, useRef, useState } from "preact/hooks";
import { checkInteractions, ddiSources } from "../api";
import { CodeChips, CodePicker } from "../CodePicker";
import { ErrorBanner, SeverityIcon } from "../components";
import { FindingCard, FindingsList } from "../Findings";
import { SEVERITY_LABEL, nameOf, parseCodes, plural, worstSeverity } from "../format";
import type { Code } from "../bindings/Code";
import type { DdiSource } from "../bindings/DdiSource";
import type { Finding } from "../bindings/Finding";
import type { InteractionCheck } from "../bindings/InteractionCheck";
import type { IpcError } from "../bindings/IpcError";
import type { Titles } from "../format";

const pairKey = (a: Code, b: Code) => (a < b ? `${a}|${b}` : `${b}|${a}`);

const isDuplicateTherapy = (f: Finding) => f.kind === "duplicate_therapy";
const duplicateLabel = (f: Finding) => `Duplicate therapy: both are ${f.duplicate_class ?? "of one therapeutic class"}`;

/** A failed check or sources read, as a sentence for the pharmacist (never the IPC layer's wording). */
function personError(e: IpcError, what: "check" | "sources"): IpcError {
  if (what === "sources")
    return {
      code: e.code,
      message:
        "The list of interaction sources could not be read, so what this check covers is unknown. " +
        "Restart the app; if it keeps failing, ask hospital IT (the details are in the application log).",
    };
  if (e.code === "invalid_input")
    return {
      code: e.code,
      message:
        "Some entries in the list are not drug codes this check understands (it expects ATC codes such as " +
        "ATC:B01AA03). Remove them and check again.",
    };
  if (e.code === "busy")
    return { code: e.code, message: "The app is busy with another task. Check again in a moment." };
  return {
    code: e.code,
    message:
      "The interaction check could not run. Try again; if it keeps failing, ask hospital IT " +
      "(the details are in the application log).",
  };
}

const sameList = (a: Code[], b: Code[]) => a.length === b.length && a.every((c) => b.includes(c));

function Matrix({
  codes,
  check,
  titles,
  selected,
  onSelect,
}: {
  codes: Code[];
  check: InteractionCheck;
  titles: Titles;
  selected: string | null;
  onSelect: (key: string) => void;
}) {
  const byPair = new Map<string, Finding[]>();
  for (const f of check.findings) {
    const k = pairKey(f.a, f.b);
    byPair.set(k, [...(byPair.get(k) ?? []), f]);
  }
  return (
    <div class="table-scroll">
      <table class="ddi-matrix" data-testid="ddi-matrix">
        <caption>
          Worst interaction severity for each pair ("duplicate": both drugs are of one therapeutic class); choose a
          cell for the details. "no rule" means the loaded sources hold no rule for the pair, not that the combination
          is safe.
        </caption>
        <thead>
          <tr>
            <td />
            {codes.map((c) => (
              <th scope="col" key={c}>
                <span class="matrix-head">{nameOf(c, titles)}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {codes.map((r) => (
            <tr key={r}>
              <th scope="row">{nameOf(r, titles)}</th>
              {codes.map((c) => {
                if (r === c)
                  return (
                    <td key={c} class="cell-self" aria-label="same drug">
                      <span aria-hidden="true">·</span>
                    </td>
                  );
                const k = pairKey(r, c);
                const fs = byPair.get(k);
                if (!fs)
                  return (
                    <td key={c} class="cell-none" data-testid="ddi-cell-none">
                      <span class="sr-only">
                        No rule in the loaded sources for {nameOf(r, titles)} and {nameOf(c, titles)}; this is not proof
                        that the combination is safe
                      </span>
                      <span aria-hidden="true" class="small muted">
                        no rule
                      </span>
                    </td>
                  );
                const sev = worstSeverity(fs.map((f) => f.severity))!;
                const dup = fs.find(isDuplicateTherapy);
                // Only class-level matches (a class, not a drug, on one side): "possible",
                // never styled with the rule's severity.
                const possible = !dup && fs.every((f) => f.certainty === "class");
                const pair = `${nameOf(r, titles)} and ${nameOf(c, titles)}`;
                const label = possible
                  ? `Possible: some drugs of ${nameOf(r, titles)} or ${nameOf(c, titles)} interact. Show details.`
                  : dup
                    ? `${duplicateLabel(dup)} (${SEVERITY_LABEL[sev].toLowerCase()}): ${pair}` +
                      `${fs.length > 1 ? ", and an interaction" : ""}. Show details.`
                    : `${SEVERITY_LABEL[sev]}: ${pair}. Show details.`;
                return (
                  <td key={c} class={possible ? "cell cell-possible" : `cell sev-${sev}${dup ? " cell-duplicate" : ""}`}>
                    <button
                      type="button"
                      class="cell-button"
                      data-testid="ddi-cell"
                      data-a={r}
                      data-b={c}
                      data-severity={possible ? "possible" : sev}
                      data-kind={dup ? "duplicate_therapy" : "interaction"}
                      aria-pressed={selected === k}
                      aria-label={label}
                      title={dup ? duplicateLabel(dup) : undefined}
                      onClick={() => onSelect(k)}
                    >
                      {!possible && <SeverityIcon severity={sev} />}
                      <span class="cell-text">{possible ? "possible" : SEVERITY_LABEL[sev]}</span>
                      {dup ? <span class="cell-kind">duplicate</span> : null}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Pharmacist() {
  const [codes, setCodes] = useState<Code[]>([]);
  const [titles, setTitles] = useState<Titles>({});
  const [paste, setPaste] = useState("");
  const [pasteMsg, setPasteMsg] = useState("");
  const [check, setCheck] = useState<InteractionCheck | null>(null);
  const [checkedCodes, setCheckedCodes] = useState<Code[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const [status, setStatus] = useState("");
  const [sources, setSources] = useState<DdiSource[] | null>(null);

  useEffect(() => {
    ddiSources()
      .then(setSources)
      .catch((e: IpcError) => setError(personError(e, "sources")));
  }, []);

  const add = (list: Code[]) => setCodes((old) => [...old, ...list.filter((c) => !old.includes(c))]);

  const pasteBox = useRef<HTMLTextAreaElement>(null);
  const addPasted = () => {
    // The box itself, not the last rendered state: a click right after typing must not
    // read text the component has not re-rendered yet.
    const { codes: ok, invalid } = parseCodes(pasteBox.current?.value ?? paste);
    add(ok);
    setPaste(invalid.join(" "));
    setPasteMsg(
      `${plural(ok.length, "code")} added.` +
        (invalid.length ? ` Not codes (expected SYSTEM:VALUE, e.g. ATC:B01AA03): ${invalid.join(", ")}` : ""),
    );
  };

  const run = async () => {
    if (codes.length < 2) {
      setStatus("Add at least two drugs to check.");
      return;
    }
    setBusy(true);
    setError(null);
    setSelected(null);
    setStatus("Checking…");
    try {
      const res = await checkInteractions(codes);
      setCheck(res);
      setCheckedCodes(codes);
      setTitles((t) => ({ ...t, ...res.titles }));
      const interactions = res.findings.filter((f) => !isDuplicateTherapy(f));
      const duplicates = res.findings.length - interactions.length;
      const graded = interactions.filter((f) => f.severity !== "unknown").length;
      setStatus(
        (duplicates ? `${plural(duplicates, "duplicate therapy", "duplicate therapies")} and ` : "") +
          `${plural(interactions.length, "interacting pair")} among ${plural(codes.length, "drug")}; ` +
          `${graded} with a stated severity.`,
      );
    } catch (e) {
      setError(personError(e as IpcError, "check"));
      setStatus("");
    } finally {
      setBusy(false);
    }
  };

  const selectedFindings = check && selected ? check.findings.filter((f) => pairKey(f.a, f.b) === selected) : [];
  // The results stand for the list they were checked for; once it changes they are marked.
  const stale = check !== null && !sameList(codes, checkedCodes);
  const allTitles = { ...titles, ...(check?.titles ?? {}) };
  return (
    <section class="screen" aria-labelledby="pharm-h">
      <h1 id="pharm-h" tabIndex={-1}>
        Pharmacist check
      </h1>
      <p class="muted">
        Check any list of drugs against the interaction knowledge base. No patient is needed and nothing is recorded.
      </p>
      <SourcesCoverage sources={sources} />
      <div class="panel two-col">
        <div>
          <CodePicker
            kind="medication"
            label="Add a drug"
            exclude={codes}
            testid="drug-picker"
            onPick={(h) => {
              if (h.title) setTitles((t) => ({ ...t, [h.code]: h.title }));
              add([h.code]);
            }}
          />
          <div class="field">
            <label for="paste-codes">Or paste codes</label>
            <textarea
              id="paste-codes"
              ref={pasteBox}
              rows={2}
              value={paste}
              placeholder="ATC:B01AA03, ATC:M01AE01"
              onInput={(e) => setPaste((e.target as HTMLTextAreaElement).value)}
              data-testid="paste-codes"
            />
            <button type="button" class="secondary" onClick={addPasted} data-testid="add-pasted">
              Add pasted codes
            </button>
            <p class="small muted" role="status" aria-live="polite">
              {pasteMsg}
            </p>
          </div>
        </div>
        <div>
          <h2 class="h3">Drugs to check</h2>
          <CodeChips
            codes={codes}
            titles={allTitles}
            label="Drugs to check"
            onRemove={(c) => setCodes((l) => l.filter((x) => x !== c))}
            testid="check-list"
            empty="No drugs yet"
          />
          <div class="actions">
            <button type="button" class="primary" onClick={() => void run()} disabled={busy} data-testid="check">
              {busy ? "Checking…" : "Check interactions"}
            </button>
            {codes.length ? (
              <button type="button" class="secondary" onClick={() => setCodes([])} data-testid="clear-list">
                Clear list
              </button>
            ) : null}
          </div>
        </div>
      </div>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      <p class="status-line" role="status" aria-live="polite" data-testid="check-status">
        {status}
      </p>
      {check ? (
        <div class={stale ? "results stale" : "results"} data-testid="check-results" data-stale={stale ? "true" : "false"}>
          {stale ? (
            <p class="banner banner-warn" role="status" data-testid="stale-results">
              The list of drugs has changed since this check: the results below are for the previous list.{" "}
              <button type="button" class="secondary small" onClick={() => void run()} disabled={busy}>
                Check again
              </button>
            </p>
          ) : null}
          <Matrix codes={checkedCodes} check={check} titles={allTitles} selected={selected} onSelect={setSelected} />
          <div aria-live="polite" data-testid="cell-details">
            {selectedFindings.map((f) => (
              <div key={`${f.a}|${f.b}|${f.kind}`} class="cell-details" data-kind={f.kind}>
                <h2 class="h3">{isDuplicateTherapy(f) ? `Selected pair: ${duplicateLabel(f).toLowerCase()}` : "Selected pair"}</h2>
                <FindingCard finding={f} titles={allTitles} />
              </div>
            ))}
          </div>
          <section aria-labelledby="findings-h">
            <h2 id="findings-h">All findings</h2>
            {check.findings.some(isDuplicateTherapy) ? (
              <ul class="duplicate-summary" data-testid="duplicate-summary">
                {check.findings.filter(isDuplicateTherapy).map((f) => (
                  <li key={`${f.a}|${f.b}`} data-testid="duplicate-item">
                    <strong>{duplicateLabel(f)}</strong>: {nameOf(f.a, allTitles)} and {nameOf(f.b, allTitles)} (
                    {SEVERITY_LABEL[f.severity].toLowerCase()})
                  </li>
                ))}
              </ul>
            ) : null}
            <FindingsList findings={check.findings} titles={allTitles} testid="findings" idPrefix="check" />
          </section>
        </div>
      ) : null}
    </section>
  );
}

/** The source that lists duplicate-therapy classes rather than interacting pairs. */
const DUPLICATE_SOURCE = "leader-duplicate-therapy";

/** What the loaded interaction sources cover: an empty result means "no rule here", never "safe". */
function SourcesCoverage({ sources }: { sources: DdiSource[] | null }) {
  if (sources === null) return null;
  const pairs = sources.filter((s) => s.name !== DUPLICATE_SOURCE);
  const dup = sources.find((s) => s.name === DUPLICATE_SOURCE);
  const total = pairs.reduce((n, s) => n + s.pairs, 0);
  const duplicates = dup ? (
    <span data-testid="ddi-source-duplicates" title={dup.description}>
      {pairs.length ? "; and " : ""}
      <strong>duplicate therapy</strong> (two drugs of one of {plural(dup.pairs, "therapeutic class", "therapeutic classes")},{" "}
      {dup.name}, loaded {dup.loaded_at.slice(0, 10)})
    </span>
  ) : null;
  return (
    <div class="banner banner-info small" data-testid="ddi-coverage">
      {pairs.length ? (
        <>
          Checked against {plural(total, "rule")} from {plural(pairs.length, "source")}:{" "}
          {pairs.map((s, i) => (
            <span key={s.name} data-testid="ddi-source">
              {i ? "; " : ""}
              <strong>{s.name}</strong> ({plural(s.pairs, "rule")}, loaded {s.loaded_at.slice(0, 10)})
            </span>
          ))}
          {duplicates}. A pair without a rule in these sources is not proof that the combination is safe.
        </>
      ) : dup ? (
        <>
          No interaction source is loaded: only {duplicates} can be flagged, no interaction. This is not proof that
          any combination is safe.
        </>
      ) : (
        <>No interaction source is loaded: no pair can be flagged. This is not proof that any combination is safe.</>
      )}
    </div>
  );
}
