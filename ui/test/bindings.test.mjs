// Until the UI imports the ts-rs bindings directly, src/types.ts must stay identical to them:
// every type generated into src/bindings/ must have a structurally equal twin in src/types.ts.
// Skipped when src/bindings/ does not exist.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { ROOT } from "./setup.mjs";

const BINDINGS = join(ROOT, "src", "bindings");

test("src/types.ts matches the generated src/bindings/*.ts", { skip: !existsSync(BINDINGS) && "no src/bindings" }, async () => {
  const generated = readdirSync(BINDINGS)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.slice(0, -3));
  const ours = new Set(
    [...readFileSync(join(ROOT, "src", "types.ts"), "utf8").matchAll(/^export (?:type|interface) (\w+)/gm)].map((m) => m[1]),
  );
  const missing = generated.filter((n) => !ours.has(n));
  assert.deepEqual(missing, [], `types generated from Rust but missing in src/types.ts: ${missing.join(", ")}`);

  const dir = mkdtempSync(join(tmpdir(), "leader-ui-bindings-"));
  try {
    const lines = [
      "type Eq<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;",
      "const same = <T extends true>(_name: string) => {};",
    ];
    for (const n of generated) {
      lines.push(`import type { ${n} as G_${n} } from ${JSON.stringify(join(BINDINGS, n))};`);
      lines.push(`import type { ${n} as T_${n} } from ${JSON.stringify(join(ROOT, "src", "types"))};`);
      lines.push(`same<Eq<G_${n}, T_${n}>>(${JSON.stringify(n)});`);
    }
    writeFileSync(join(dir, "check.ts"), lines.join("\n") + "\n");
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: "ES2022",
          module: "ESNext",
          moduleResolution: "bundler",
          verbatimModuleSyntax: true,
          skipLibCheck: true,
        },
        files: ["check.ts"],
      }),
    );
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    try {
      await promisify(execFile)(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")]);
    } catch (e) {
      // Map "check.ts(LINE,...)" back to the type names.
      const names = [...String(e.stdout).matchAll(/check\.ts\((\d+),/g)].map((m) => generated[(Number(m[1]) - 5) / 3] ?? `line ${m[1]}`);
      assert.fail(`src/types.ts differs from the bindings for: ${names.join(", ")}\n${e.stdout}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
