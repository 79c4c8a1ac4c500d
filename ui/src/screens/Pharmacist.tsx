// Pharmacist check: any list of drugs → `check_interactions` → a drugs × drugs matrix
// coloured by the worst severity, with each cell opening its findings, and the full list.

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
          Worst interaction severity for each pair; choose a cell for the details. "no rule" means the loaded sources
          hold no rule for the pair, not that the combination is safe.
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
                // Only class-level matches (a class, not a drug, on one side): "possible",
                // never styled with the rule's severity.
                const possible = fs.every((f) => f.certainty === "class");
                const label = possible
                  ? `Possible: some drugs of ${nameOf(r, titles)} or ${nameOf(c, titles)} interact. Show details.`
                  : `${SEVERITY_LABEL[sev]}: ${nameOf(r, titles)} and ${nameOf(c, titles)}. Show details.`;
                return (
                  <td key={c} class={possible ? "cell cell-possible" : `cell sev-${sev}`}>
                    <button
                      type="button"
                      class="cell-button"
                      data-testid="ddi-cell"
                      data-a={r}
                      data-b={c}
                      data-severity={possible ? "possible" : sev}
                      aria-pressed={selected === k}
                      aria-label={label}
                      onClick={() => onSelect(k)}
                    >
                      {!possible && <SeverityIcon severity={sev} />}
                      <span class="cell-text">{possible ? "possible" : SEVERITY_LABEL[sev]}</span>
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
      .catch((e: IpcError) => setError(e));
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
      const graded = res.findings.filter((f) => f.severity !== "unknown").length;
      setStatus(
        `${plural(res.findings.length, "interacting pair")} among ${plural(codes.length, "drug")}; ` +
          `${graded} with a stated severity.`,
      );
    } catch (e) {
      setError(e as IpcError);
      setStatus("");
    } finally {
      setBusy(false);
    }
  };

  const selectedFindings = check && selected ? check.findings.filter((f) => pairKey(f.a, f.b) === selected) : [];
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
              <button type="button" class="secondary" onClick={() => setCodes([])}>
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
        <div class="results" data-testid="check-results">
          <Matrix codes={checkedCodes} check={check} titles={allTitles} selected={selected} onSelect={setSelected} />
          <div aria-live="polite" data-testid="cell-details">
            {selectedFindings.map((f) => (
              <div key={`${f.a}|${f.b}`} class="cell-details">
                <h2 class="h3">Selected pair</h2>
                <FindingCard finding={f} titles={allTitles} />
              </div>
            ))}
          </div>
          <section aria-labelledby="findings-h">
            <h2 id="findings-h">All findings</h2>
            <FindingsList findings={check.findings} titles={allTitles} testid="findings" idPrefix="check" />
          </section>
        </div>
      ) : null}
    </section>
  );
}

/** What the loaded interaction sources cover: an empty result means "no rule here", never "safe". */
function SourcesCoverage({ sources }: { sources: DdiSource[] | null }) {
  if (sources === null) return null;
  const total = sources.reduce((n, s) => n + s.pairs, 0);
  return (
    <div class="banner banner-info small" data-testid="ddi-coverage">
      {sources.length ? (
        <>
          Checked against {plural(total, "rule")} from {plural(sources.length, "source")}:{" "}
          {sources.map((s, i) => (
            <span key={s.name} data-testid="ddi-source">
              {i ? "; " : ""}
              <strong>{s.name}</strong> ({plural(s.pairs, "rule")}, loaded {s.loaded_at.slice(0, 10)})
            </span>
          ))}
          . A pair without a rule in these sources is not proof that the combination is safe.
        </>
      ) : (
        <>No interaction source is loaded: no pair can be flagged. This is not proof that any combination is safe.</>
      )}
    </div>
  );
}
