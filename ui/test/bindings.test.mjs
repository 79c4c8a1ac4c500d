// The IPC types are the ts-rs output in src/bindings/ (generated from the Rust types; the Rust
// test `cargo test -p leader-service --test bindings` fails when they are stale). The UI imports
// them from there; this test fails if a hand-written twin of a generated type comes back.

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { ROOT } from "./setup.mjs";

const SRC = join(ROOT, "src");
const BINDINGS = join(SRC, "bindings");

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return p === BINDINGS ? [] : sources(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

test("IPC types come from src/bindings/ only: no hand-written copy of a generated type", () => {
  const generated = new Set(
    readdirSync(BINDINGS, { recursive: true })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.replace(/^.*\//, "").slice(0, -3)),
  );
  assert.ok(generated.has("Answer") && generated.has("ImportKind"), "src/bindings/ looks incomplete");
  const copies = [];
  for (const file of [...sources(SRC), join(ROOT, "test", "harness.ts")]) {
    for (const m of readFileSync(file, "utf8").matchAll(/^\s*(?:export\s+)?(?:type|interface|enum)\s+(\w+)/gm)) {
      if (generated.has(m[1])) copies.push(`${relative(ROOT, file)}: ${m[1]}`);
    }
  }
  assert.deepEqual(copies, [], `import these from src/bindings/ instead:\n${copies.join("\n")}`);
});
