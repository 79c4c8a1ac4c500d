// Type-ahead code search (`search_codes`) as an ARIA combobox, and the removable list of
// chosen codes it feeds.

import { useEffect, useId, useRef, useState } from "preact/hooks";
import { searchCodes, toIpcError } from "./api";
import { CODE_RE } from "./format";
import type { Code } from "./bindings/Code";
import type { CodeHit } from "./bindings/CodeHit";
import type { CodeKind } from "./bindings/CodeKind";
import type { Titles } from "./format";

const LIMIT = 10;
const DEBOUNCE_MS = 150;

export function CodePicker({
  kind,
  label,
  onPick,
  exclude = [],
  testid,
  hint,
  onPending,
}: {
  kind: CodeKind;
  label: string;
  onPick: (hit: CodeHit) => void;
  exclude?: Code[];
  testid?: string;
  hint?: string;
  /** Told the text typed but not (yet) added, so the form can refuse to run without it. */
  onPending?: (text: string) => void;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const [hits, setHits] = useState<CodeHit[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [message, setMessage] = useState("");
  const seq = useRef(0);

  useEffect(() => onPending?.(text.trim()), [text]);
  useEffect(() => () => onPending?.(""), []);

  useEffect(() => {
    const q = text.trim();
    if (q.length < 2) {
      setHits([]);
      setOpen(false);
      return;
    }
    const mine = ++seq.current;
    const timer = setTimeout(() => {
      searchCodes(q, kind, LIMIT)
        .then((res) => {
          if (mine !== seq.current) return;
          const shown = res.filter((h) => !exclude.includes(h.code));
          setHits(shown);
          setActive(shown.length ? 0 : -1);
          setOpen(true);
          setMessage(shown.length ? `${shown.length} matches; use the arrow keys and Enter to choose.` : "No matches.");
        })
        .catch((e) => {
          if (mine !== seq.current) return;
          setHits([]);
          setOpen(false);
          setMessage(`Search failed: ${toIpcError(e).message}`);
        });
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
    // `exclude` changes identity on every render; the search only depends on the text.
  }, [text, kind]);

  const choose = (hit: CodeHit) => {
    onPick(hit);
    seq.current++;
    setText("");
    setHits([]);
    setOpen(false);
    setActive(-1);
    setMessage(`Added ${hit.title || hit.code}.`);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (!open && hits.length) setOpen(true);
      setActive((a) => (hits.length ? (a + 1) % hits.length : -1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => (hits.length ? (a - 1 + hits.length) % hits.length : -1));
    } else if (e.key === "Enter") {
      // Enter in a search box never submits the form: it picks, or says why it cannot.
      e.preventDefault();
      if (open && active >= 0 && hits[active]) {
        choose(hits[active]);
      } else if (CODE_RE.test(text.trim())) {
        // A code typed in full is taken as it is.
        choose({ code: text.trim(), title: "" });
      } else if (text.trim()) {
        setMessage(
          hits.length
            ? "Choose one of the matches with the arrow keys and Enter."
            : "Nothing to add yet: wait for the matches, or type a full code (e.g. ATC:B01AA03).",
        );
      }
    } else if (e.key === "Escape") {
      if (open) {
        e.preventDefault();
        setOpen(false);
      }
    }
  };

  const listId = `${id}-list`;
  const optId = (i: number) => `${id}-opt-${i}`;
  const expanded = open && hits.length > 0;
  return (
    <div class="picker" data-testid={testid}>
      <label for={`${id}-input`}>{label}</label>
      {hint ? (
        <div id={`${id}-hint`} class="muted small">
          {hint}
        </div>
      ) : null}
      <input
        id={`${id}-input`}
        type="text"
        role="combobox"
        autocomplete="off"
        spellcheck={false}
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? optId(active) : undefined}
        aria-describedby={hint ? `${id}-hint` : undefined}
        value={text}
        placeholder="Type 2+ letters of a name or code"
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        onKeyDown={onKeyDown}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        data-testid={testid ? `${testid}-input` : undefined}
      />
      <ul id={listId} role="listbox" class="picker-list" hidden={!expanded} aria-label={`${label}: matches`}>
        {hits.map((h, i) => (
          <li
            key={h.code}
            id={optId(i)}
            role="option"
            aria-selected={i === active}
            class={i === active ? "active" : ""}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => choose(h)}
            data-code={h.code}
          >
            <span class="code-title">{h.title}</span> <code class="code">{h.code}</code>
          </li>
        ))}
      </ul>
      <div class="sr-only" role="status" aria-live="polite">
        {message}
      </div>
    </div>
  );
}

/** The chosen codes, each with a remove button (or read-only). */
export function CodeChips({
  codes,
  titles,
  label,
  onRemove,
  testid,
  empty = "None",
}: {
  codes: Code[];
  titles: Titles;
  label: string;
  onRemove?: (code: Code) => void;
  testid?: string;
  empty?: string;
}) {
  if (!codes.length)
    return (
      <p class="muted small" data-testid={testid}>
        {empty}
      </p>
    );
  return (
    <ul class="chips" aria-label={label} data-testid={testid}>
      {codes.map((c) => (
        <li key={c} class="chip" data-code={c}>
          {titles[c] ? <span class="code-title">{titles[c]}</span> : null}
          <code class="code">{c}</code>
          {onRemove ? (
            <button type="button" class="chip-remove" aria-label={`Remove ${titles[c] ?? c}`} onClick={() => onRemove(c)}>
              ×
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
