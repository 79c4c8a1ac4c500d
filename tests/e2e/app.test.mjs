// End-to-end tests of the real built LEADER Rx app in WebKit: tauri-driver + WebKitWebDriver
// under Xvfb (run by scripts/e2e.sh). They drive the UI like a clinician and a pharmacist,
// check the audit log through the CLI, switch models, save screenshots of the main screens to
// tests/e2e/artifacts/ and write the measured start-up, suggestion latency and memory to
// artifacts/measurements.json.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const APP = process.env.APP_BIN;
const LEADER = process.env.LEADER_BIN;
assert.ok(APP && fs.existsSync(APP), "APP_BIN must point at the built app (scripts/e2e.sh sets it)");
assert.ok(LEADER && fs.existsSync(LEADER), "LEADER_BIN must point at the leader CLI");
const ARTIFACTS = path.join(REPO, "tests/e2e/artifacts");
fs.mkdirSync(ARTIFACTS, { recursive: true });
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "leader-e2e-"));
const ENV = {
  ...process.env,
  LEADER_DB: path.join(WORK, "leader.sqlite"),
  LEADER_MODELS: path.join(WORK, "models"),
  LEADER_ORT_LIB: path.join(REPO, ".runtime/onnxruntime/libonnxruntime.so"),
};
const measurements = {};

function cli(...args) {
  return JSON.parse(execFileSync(LEADER, ["--json", ...args], { cwd: REPO, env: ENV, encoding: "utf8" }));
}

function waitPort(port, ms = 20000) {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tryOnce = () => {
      const s = net.connect(port, "127.0.0.1", () => { s.destroy(); resolve(); });
      s.on("error", () => { s.destroy(); Date.now() > until ? reject(new Error(`port ${port} never opened`)) : setTimeout(tryOnce, 200); });
    };
    tryOnce();
  });
}

let driver;
let browser;
let interactionPatient;

async function shot(name) {
  await browser.pause(500);
  await browser.saveScreenshot(path.join(ARTIFACTS, `${name}.png`));
}

async function nav(id) {
  await (await browser.$(`[data-testid="nav-${id}"]`)).click();
}

before(async () => {
  // The store the app will open: the demo cohort plus the TWOSIDES adjacency.
  cli("demo");
  // A demo patient whose current medications have a graded interaction with a suggestion.
  for (let i = 1; i <= 36 && !interactionPatient; i++) {
    const id = `DEMO-${String(i).padStart(3, "0")}`;
    const a = cli("recommend", "--patient", id, "--no-evidence");
    const hit = a.recommendation.interactions.find(
      (f) => f.severity !== "unknown" && (f.a_role === "current" || f.b_role === "current") && (f.a_role === "suggested" || f.b_role === "suggested"),
    );
    if (hit) interactionPatient = { id, severity: hit.severity };
  }
  assert.ok(interactionPatient, "some demo patient has a graded interaction between a suggestion and a current medication");
  driver = spawn("tauri-driver", ["--port", "4444"], { cwd: REPO, env: ENV, stdio: "ignore" });
  await waitPort(4444);
  await waitPort(4445);
  const t0 = Date.now();
  browser = await remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "error",
    capabilities: { "tauri:options": { application: APP } },
  });
  await (await browser.$('[data-testid="patient-row"]')).waitForDisplayed({ timeout: 30000 });
  measurements.cold_start_to_patient_list_ms = Date.now() - t0;
});

after(async () => {
  try {
    const pid = execFileSync("pgrep", ["-n", "-f", path.basename(APP)], { encoding: "utf8" }).trim();
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    measurements.app_rss_mb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
    const web = execFileSync("pgrep", ["-f", "WebKitWebProcess"], { encoding: "utf8" }).trim().split("\n");
    measurements.webkit_web_process_rss_mb = web
      .map((p) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0) / 1024)
      .reduce((a, b) => a + b, 0);
  } catch (e) {
    measurements.memory_error = String(e);
  }
  fs.writeFileSync(path.join(ARTIFACTS, "measurements.json"), JSON.stringify(measurements, null, 2));
  if (browser) await browser.deleteSession().catch(() => {});
  if (driver) driver.kill();
});

test("the patient list shows the synthetic demo cohort", async () => {
  const rows = await browser.$$('[data-testid="patient-row"]');
  assert.ok(rows.length >= 30, `${rows.length} patients`);
  assert.match(await rows[0].getText(), /synthetic/i);
  await shot("patients");
});

test("a demo patient's suggestions show the interaction with a current medication", async () => {
  await (await browser.$('[data-testid="patient-search"]')).setValue(interactionPatient.id);
  const open = await browser.$(`[data-testid="patient-row"][data-id="${interactionPatient.id}"] button.row-open`);
  await open.click();
  await (await browser.$('[data-testid="timeline"]')).waitForDisplayed();
  await shot("timeline");
  const buttons = await browser.$$('[data-testid="suggest-for-visit"]');
  await buttons[buttons.length - 1].click();
  await (await browser.$('[data-testid="suggest"]')).click();
  const list = await browser.$('[data-testid="primary-list"]');
  await list.waitForDisplayed({ timeout: 20000 });
  const text = await (await browser.$('[data-testid="results"]')).getText();
  assert.match(text, new RegExp(interactionPatient.severity, "i"), `a ${interactionPatient.severity} warning is shown`);
  assert.match(await (await browser.$('[data-testid="disclaimer"]')).getText(), /prescriber decides/);
  await shot("composer");
});

test("accepting a suggestion records the decision in the audit log", async () => {
  const accept = await browser.$('[data-testid="decision-accept"]');
  await accept.click();
  await (await browser.$('[data-testid="record-decision"]')).click();
  await (await browser.$('[data-testid="recorded"]')).waitUntil(async function () { return /#\d+/.test(await this.getText()); }, { timeout: 10000 });
  const events = cli("audit", "--kind", "decision");
  assert.equal(events.length, 1);
  const d = events[0].payload;
  assert.equal(d.patient_id, interactionPatient.id);
  assert.equal(d.decisions[0].action, "accept");
  assert.ok(d.model.id && d.suggestions.length > 0, "the model and the suggestion list are logged");
});

test("clicking Suggest renders suggestions quickly (20 clicks)", async () => {
  const times = [];
  for (let i = 0; i < 20; i++) {
    const ms = await browser.executeAsync((done) => {
      const status = document.querySelector('[data-testid="composer-status"]');
      let asked = false;
      const t0 = performance.now();
      const obs = new MutationObserver(() => {
        const t = status.textContent || "";
        if (t.startsWith("Asking")) asked = true;
        else if (asked && /suggestion/.test(t)) { obs.disconnect(); done(performance.now() - t0); }
      });
      obs.observe(status, { childList: true, characterData: true, subtree: true });
      document.querySelector('[data-testid="suggest"]').click();
    });
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  measurements.suggest_click_to_render_ms = { p50: times[9], p95: times[18], max: times[19], runs: 20 };
});

test("the pharmacist check shows the warfarin x ibuprofen interaction in the matrix", async () => {
  await nav("pharmacist");
  // Check only once all three codes are listed: a click that races the render of the typed
  // text adds nothing (and clears the box), so type and add again until they are.
  const chips = async () => (await browser.$$('[data-testid="check-list"] li.chip')).length;
  await browser.waitUntil(
    async () => {
      await (await browser.$('[data-testid="paste-codes"]')).setValue("ATC:B01AA03, ATC:M01AE01, ATC:N06AB06");
      await browser.pause(100);
      await (await browser.$('[data-testid="add-pasted"]')).click();
      await browser.pause(100);
      return (await chips()) === 3;
    },
    { timeout: 10000, timeoutMsg: "the three pasted codes were not added to the list" },
  );
  await (await browser.$('[data-testid="check"]')).click();
  await (await browser.$('[data-testid="ddi-matrix"]')).waitForDisplayed({ timeout: 10000 });
  const texts = [];
  for (const c of await browser.$$('[data-testid="ddi-cell"]')) texts.push(await c.getText());
  assert.ok(texts.some((t) => /major/i.test(t)), `cells: ${texts}`);
  await shot("pharmacist");
});

test("a model is installed through the gate and rolled back", async () => {
  // A copy of the bundled model under another id: same quality, so the gate installs it.
  const bundled = path.join(REPO, "models", fs.readFileSync(path.join(REPO, "models/DEFAULT"), "utf8").trim());
  const copy = path.join(WORK, "copy");
  fs.cpSync(bundled, copy, { recursive: true });
  const m = JSON.parse(fs.readFileSync(path.join(copy, "manifest.json"), "utf8"));
  m.model.id = "e2e-copy";
  fs.writeFileSync(path.join(copy, "manifest.json"), JSON.stringify(m, null, 1));
  await nav("model");
  await (await browser.$('[data-testid="active-model-panel"]')).waitForDisplayed();
  await shot("model");
  await (await browser.$('[data-testid="model-dir"]')).setValue(copy);
  await (await browser.$('[data-testid="install-model"]')).click();
  const reason = await browser.$('[data-testid="gate-reason"]');
  await reason.waitForDisplayed({ timeout: 60000 });
  assert.match(await reason.getText(), /installed/i);
  assert.equal(cli("model", "list").find((x) => x.active).id, "e2e-copy");
  await (await browser.$('[data-testid="rollback"]')).click();
  await (await browser.$('[data-testid="confirm-rollback"]')).click();
  await (await browser.$('[data-testid="model-status"]')).waitUntil(async function () { return /Rolled back/.test(await this.getText()); }, { timeout: 20000 });
  assert.notEqual(cli("model", "list").find((x) => x.active).id, "e2e-copy");
  const kinds = cli("audit", "--limit", "100").map((e) => e.kind);
  assert.ok(kinds.includes("model-install") && kinds.includes("model-rollback"));
});

test("the import and audit screens render", async () => {
  await nav("import");
  await browser.pause(300);
  await shot("import");
  await nav("audit");
  await (await browser.$('[data-testid="audit-row"]')).waitForDisplayed({ timeout: 10000 });
  await shot("audit");
});
