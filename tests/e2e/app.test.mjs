// End-to-end tests of the real built LEADER Rx app in WebKit: tauri-driver + WebKitWebDriver
// under Xvfb (run by scripts/e2e.sh). They drive the UI like a clinician and a pharmacist,
// check the audit log through the CLI, switch models, export a decision as FHIR R4 and import
// the MIMIC-IV-on-FHIR demo, save screenshots of the main screens to tests/e2e/artifacts/ and
// write the measured start-up, suggestion latency and memory to artifacts/measurements.json.
// The exported Bundles' paths are appended to $FHIR_EXPORTS_LIST (default
// target/fhir-exports.txt) for a later validation with the Python FHIR validator.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";
import { waitPort } from "./driver.mjs";

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
// Real data beside the clone (as the Rust tests read it); the FHIR import test fails loudly without it.
const FHIR_DEMO = path.resolve(REPO, "../shared/data/mimic-iv-fhir-demo/fhir");
const FHIR_EXPORTS_LIST = process.env.FHIR_EXPORTS_LIST || path.join(REPO, "target/fhir-exports.txt");
// The demo patient whose decision is exported as FHIR.
const FHIR_PATIENT = "DEMO-012";
// Who the app is told is using it, on first start.
const E2E_USER = "E2E Clinician";

function cli(...args) {
  return JSON.parse(execFileSync(LEADER, ["--json", ...args], { cwd: REPO, env: ENV, encoding: "utf8" }));
}

let driver;
let browser;
let interactionPatient;

async function shot(name) {
  await browser.pause(500);
  await browser.saveScreenshot(path.join(ARTIFACTS, `${name}.png`));
}

// ---------------------------------------------------------------- full-page screenshots
// WebKitWebDriver's screenshots (of the window or of an element) stop at the window, and the
// Xvfb screen is 800 px tall: a full page is stitched from window shots scrolled down the page.

/** An 8-bit RGB or RGBA, non-interlaced PNG (what WebKitWebDriver writes) → rows of pixels. */
function decodePng(buf) {
  const idat = [];
  let width = 0, height = 0, bpp = 0;
  for (let at = 8; at < buf.length; ) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString("ascii", at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, color, , , interlace] = data.subarray(8);
      assert.ok(depth === 8 && (color === 2 || color === 6) && interlace === 0, "an 8-bit RGB(A) PNG");
      bpp = color === 2 ? 3 : 4;
    } else if (type === "IDAT") idat.push(data);
    at += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const rows = [];
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? line[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0;
      let add = 0;
      if (filter === 1) add = a;
      else if (filter === 2) add = b;
      else if (filter === 3) add = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[x] = (line[x] + add) & 0xff;
    }
    rows.push(line);
    prev = line;
  }
  return { width, height, bpp, rows };
}

function encodePng({ width, bpp, rows }) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, "ascii");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(rows.length, 4);
  ihdr.set([8, bpp === 3 ? 2 : 6, 0, 0, 0], 8);
  const raw = Buffer.concat(rows.flatMap((r) => [Buffer.from([0]), r]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", zlib.deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A screenshot of the whole page (window shots down the page, stitched); the window's if that fails. */
async function fullShot(name) {
  try {
    await stitchedShot(name);
  } catch (e) {
    console.log(`# full-page screenshot ${name} failed (${e.message}): saving the window only`);
    await shot(name);
  }
}

async function stitchedShot(name) {
  await browser.pause(500);
  const { total, view } = await browser.execute(() => ({
    total: document.documentElement.scrollHeight,
    view: window.innerHeight,
  }));
  const rows = [];
  let info = null;
  for (let y = 0; y < 100 * view; y += view) {
    const at = await browser.execute((to) => {
      window.scrollTo(0, to);
      return window.scrollY;
    }, y);
    await browser.pause(150);
    const png = decodePng(Buffer.from(await browser.takeScreenshot(), "base64"));
    info ??= png;
    const scale = png.height / view;
    png.rows.forEach((r, i) => {
      rows[Math.round(at * scale) + i] = r;
    });
    if (at + view >= total || at < y) break;
  }
  await browser.execute(() => window.scrollTo(0, 0));
  fs.writeFileSync(path.join(ARTIFACTS, `${name}.png`), encodePng({ ...info, rows: rows.filter(Boolean) }));
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
  // First start: the app asks who is using it before anything else (issue 14, "who decided").
  const form = await browser.$('[data-testid="user-form"]');
  await form.waitForDisplayed({ timeout: 30000 });
  measurements.cold_start_to_user_form_ms = Date.now() - t0;
  await shot("first-start-user");
  const name = await browser.$('[data-testid="user-name"]');
  assert.ok((await name.getValue()).length > 0, "the name is prefilled with the OS account name");
  await name.setValue(E2E_USER);
  await (await browser.$('[data-testid="user-role-clinician"]')).click();
  await (await browser.$('[data-testid="user-continue"]')).click();
  await (await browser.$('[data-testid="patient-row"]')).waitForDisplayed({ timeout: 30000 });
  assert.match(await (await browser.$('[data-testid="current-user"]')).getText(), new RegExp(E2E_USER));
});

/** A test that leaves a screenshot of the window when it fails (`FAILED-<name>.png`). */
function e2e(name, fn) {
  test(name, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      const slug = name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
      await browser?.saveScreenshot(path.join(ARTIFACTS, `FAILED-${slug}.png`)).catch(() => {});
      throw e;
    }
  });
}

/** Records the visit's choices: "Record decisions…", the summary, then Record. */
async function recordVisit() {
  await (await browser.$('[data-testid="record-decision"]')).click();
  const confirm = await browser.$('[data-testid="record-confirm"]');
  await confirm.waitForDisplayed({ timeout: 10000 });
  await confirm.click();
  await (await browser.$('[data-testid="recorded"]')).waitUntil(async function () { return /#\d+/.test(await this.getText()); }, { timeout: 10000 });
}

/** When the accepted item needs an override reason, gives `reason` (and `comment`). */
async function overrideIfAsked(reason = "will-monitor", comment = "") {
  // A decision outside the answer's own screening is checked first; the form appears after.
  await browser.waitUntil(async () => !(await (await browser.$('[data-checking="true"]')).isExisting()), {
    timeout: 10000,
    timeoutMsg: "a decision's interaction check never finished",
  });
  const form = await browser.$('[data-testid="override-form"]');
  if (!(await form.isDisplayed().catch(() => false))) return false;
  await (await form.$(`[data-testid="override-${reason}"]`)).click();
  if (comment) await (await form.$('[data-testid="override-comment"]')).setValue(comment);
  await (await form.$('[data-testid="override-confirm"]')).click();
  return true;
}

/** The app's and WebKit's resident memory, measured once: before the FHIR import (which grows the store). */
function measureMemory() {
  if ("app_rss_mb" in measurements || "memory_error" in measurements) return;
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
}

after(async () => {
  measureMemory();
  fs.writeFileSync(path.join(ARTIFACTS, "measurements.json"), JSON.stringify(measurements, null, 2));
  if (browser) await browser.deleteSession().catch(() => {});
  if (driver) driver.kill();
});

/** Opens the composer on `id`'s latest visit and waits until it shows that visit (a Suggest
 * clicked before the stored visit is loaded asks for ad-hoc codes instead). */
async function composeLatestVisit(id) {
  const buttons = await browser.$$('[data-testid="suggest-for-visit"]');
  await buttons[buttons.length - 1].click();
  const subject = await browser.$('[data-testid="visit-subject"]');
  await subject.waitUntil(async function () { return (await this.isDisplayed()) && (await this.getText()).includes(id); }, {
    timeout: 10000,
    timeoutMsg: `the composer did not open ${id}'s visit`,
  });
}

e2e("the patient list shows the synthetic demo cohort", async () => {
  const rows = await browser.$$('[data-testid="patient-row"]');
  assert.ok(rows.length >= 30, `${rows.length} patients`);
  assert.match(await rows[0].getText(), /synthetic/i);
  await shot("patients");
});

e2e("a demo patient's suggestions show the interaction with a current medication", async () => {
  await (await browser.$('[data-testid="patient-search"]')).setValue(interactionPatient.id);
  const open = await browser.$(`[data-testid="patient-row"][data-id="${interactionPatient.id}"] button.row-open`);
  await open.click();
  await (await browser.$('[data-testid="timeline"]')).waitForDisplayed();
  await shot("timeline");
  await composeLatestVisit(interactionPatient.id);
  await (await browser.$('[data-testid="suggest"]')).click();
  const list = await browser.$('[data-testid="primary-list"]');
  await list.waitForDisplayed({ timeout: 20000 });
  const text = await (await browser.$('[data-testid="results"]')).getText();
  // In the suggestions' own interaction panel (not the review of the visit's orders below it).
  const panel = await (await browser.$('[data-testid="interaction-panel"]')).getText();
  assert.match(panel, new RegExp(interactionPatient.severity, "i"), `a ${interactionPatient.severity} warning is shown`);
  assert.match(await (await browser.$('[data-testid="disclaimer"]')).getText(), /prescriber decides/);
  await shot("composer");
});

e2e("accepting a suggestion records the decision in the audit log", async () => {
  const accept = await browser.$('[data-testid="decision-accept"]');
  await accept.click();
  await browser.pause(200);
  await overrideIfAsked();
  await recordVisit();
  const events = cli("audit", "--kind", "decision");
  assert.equal(events.length, 1);
  const d = events[0].payload;
  assert.equal(d.patient_id, interactionPatient.id);
  assert.equal(d.decisions[0].action, "accept");
  assert.ok(d.model.id && d.suggestions.length > 0, "the model and the suggestion list are logged");
  assert.equal(events[0].actor, `clinician:${E2E_USER}`, "the decision carries the user and role");
});

e2e("clicking Suggest renders suggestions quickly (20 clicks)", async () => {
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

e2e("the pharmacist check shows the warfarin x ibuprofen interaction in the matrix", async () => {
  await nav("pharmacist");
  // Check only once exactly the three codes are listed: a click that races the render of the
  // typed text adds nothing or a part of it, so clear the list, type and add again until they are.
  const chips = async () => (await browser.$$('[data-testid="check-list"] li.chip')).length;
  await browser.waitUntil(
    async () => {
      const clear = await browser.$('[data-testid="clear-list"]');
      if (await clear.isExisting()) await clear.click();
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

e2e("a model is installed through the gate and rolled back", async () => {
  // A copy of the bundled model under another id: same quality as the active model.
  const bundled = path.join(REPO, "models", fs.readFileSync(path.join(REPO, "models/DEFAULT"), "utf8").trim());
  const copy = path.join(WORK, "copy");
  fs.cpSync(bundled, copy, { recursive: true });
  const m = JSON.parse(fs.readFileSync(path.join(copy, "manifest.json"), "utf8"));
  m.model.id = "e2e-copy";
  fs.writeFileSync(path.join(copy, "manifest.json"), JSON.stringify(m, null, 1));
  // The project's signature no longer matches the edited copy: it is an unsigned bundle now.
  fs.rmSync(path.join(copy, "signature.json"));
  await nav("model");
  await (await browser.$('[data-testid="active-model-panel"]')).waitForDisplayed();
  await shot("model");
  await (await browser.$('[data-testid="model-dir"]')).setValue(copy);
  await (await browser.$('[data-testid="install-model"]')).click();
  const reason = await browser.$('[data-testid="gate-reason"]');
  await reason.waitForDisplayed({ timeout: 60000 });
  assert.match(await reason.getText(), /not signed/);
  // Installed only when the user ticks "Install an unsigned model" (with its warning).
  await (await browser.$('[data-testid="allow-unsigned"]')).click();
  await (await browser.$('[data-testid="unsigned-warning"]')).waitForDisplayed();
  await (await browser.$('[data-testid="install-model"]')).click();
  // On the synthetic demo cohort the bundled model does not beat repeating the previous
  // visit's medications: refused, and installed only when the gate is overridden (audited).
  await reason.waitUntil(async function () { return /does not beat repeating the previous visit/.test(await this.getText()); }, { timeout: 60000 });
  await shot("model-gate-baseline");
  await (await browser.$('[data-testid="force-install"]')).click();
  await (await browser.$('[data-testid="force-warning"]')).waitForDisplayed();
  await (await browser.$('[data-testid="install-model"]')).click();
  await reason.waitUntil(async function () { return /^installed/.test(await this.getText().then((t) => t.replace(/^Gate:\s*/, ""))); }, { timeout: 60000 });
  assert.equal(cli("model", "list").find((x) => x.active).id, "e2e-copy");
  const installEvent = cli("audit", "--limit", "100").find((e) => e.kind === "model-install");
  assert.equal(installEvent.payload.allowed_unsigned, true, "the unsigned install is on record");
  assert.equal(installEvent.payload.forced, true, "the override is on record");
  await (await browser.$('[data-testid="rollback"]')).click();
  await (await browser.$('[data-testid="confirm-rollback"]')).click();
  await (await browser.$('[data-testid="rollback-message-status"]')).waitUntil(async function () { return /Rolled back/i.test(await this.getText()); }, { timeout: 20000 });
  assert.notEqual(cli("model", "list").find((x) => x.active).id, "e2e-copy");
  const kinds = cli("audit", "--limit", "100").map((e) => e.kind);
  assert.ok(kinds.includes("model-install") && kinds.includes("model-rollback"));
});

e2e("the import and audit screens render", async () => {
  await nav("import");
  await browser.pause(300);
  await shot("import");
  await nav("audit");
  await (await browser.$('[data-testid="audit-row"]')).waitForDisplayed({ timeout: 10000 });
  await shot("audit");
});

// ---------------------------------------------------------------- issue 14: no false reassurance
// Problems 2-4 as the issue found them: Enter in a drug search ran Suggest without the drug; old
// results stayed on screen after the inputs changed; a pair without a rule read "–".

async function openAdHocComposer() {
  await nav("composer");
  const adhoc = await browser.$('[data-testid="new-ad-hoc"]');
  if (await adhoc.isExisting()) {
    await adhoc.click();
    // Leaving unrecorded choices asks first; these tests have none worth keeping.
    const leave = await browser.$('[data-testid="leave-confirm"]');
    if (await leave.isDisplayed().catch(() => false)) await leave.click();
  }
  await (await browser.$('[data-testid="adhoc-subject"]')).waitForDisplayed({ timeout: 10000 });
}

/** Types `text` into a code search and picks the first match whose code starts with `prefix`. */
async function addCode(picker, text, prefix) {
  const box = await browser.$(`[data-testid="${picker}-input"]`);
  await box.setValue(text);
  const option = await browser.$(`[data-testid="${picker}"] [role="option"][data-code^="${prefix}"]`);
  await option.waitForDisplayed({ timeout: 10000 });
  await option.click();
  // Added: the box is emptied. (A click that landed while the list re-rendered is repeated once.)
  const emptied = () => browser.waitUntil(async () => (await box.getValue()) === "", { timeout: 5000 }).then(() => true, () => false);
  if (await emptied()) return;
  if (await option.isDisplayed().catch(() => false)) await option.click();
  assert.ok(await emptied(), `${picker}: the match for "${text}" was not added`);
}

e2e("Enter in the drug search never runs Suggest: a typed but unadded drug blocks it with a message", async () => {
  await openAdHocComposer();
  await addCode("diagnosis-picker", "atrial fibrillation", "ICD10CM:I48");
  await addCode("current-picker", "digoxin", "ATC:C01AA");
  const box = await browser.$('[data-testid="current-picker-input"]');
  await box.setValue("amiodarone");
  await browser.keys("Enter");
  await browser.pause(500);
  const results = await browser.$('[data-testid="results"]');
  assert.equal(await results.isExisting(), false, "Enter did not submit the form");
  // The picker says why Enter added nothing (in its live region).
  assert.match(await (await browser.$('[data-testid="current-picker"]')).getHTML(), /Choose one of the matches|Nothing to add yet|arrow keys and Enter/);
  // Suggest itself refuses while the typed drug is not added.
  await (await browser.$('[data-testid="suggest"]')).click();
  const msg = await browser.$('[data-testid="form-message"]');
  await msg.waitForDisplayed({ timeout: 10000 });
  assert.match(await msg.getText(), /"amiodarone" was typed into the current-medication search but not added/);
  assert.equal(await results.isExisting(), false, "no suggestions without the typed drug");
  await shot("composer-enter-blocked");
});

e2e("changed inputs mark the shown suggestions stale until Suggest runs again", async () => {
  await addCode("current-picker", "amiodarone", "ATC:C01BD");
  await (await browser.$('[data-testid="suggest"]')).click();
  const results = await browser.$('[data-testid="results"]');
  await results.waitForDisplayed({ timeout: 20000 });
  assert.equal(await results.getAttribute("data-stale"), "false");
  await addCode("procedure-picker", "catheterisation", "ICD10PCS:");
  await browser.waitUntil(async () => (await results.getAttribute("data-stale")) === "true", {
    timeout: 10000,
    timeoutMsg: "adding a procedure did not mark the results stale",
  });
  assert.match(await (await browser.$('[data-testid="stale-results"]')).getText(), /inputs changed/i);
  await shot("composer-stale");
  await (await browser.$('[data-testid="suggest"]')).click();
  await browser.waitUntil(async () => (await results.getAttribute("data-stale")) === "false", { timeout: 20000 });
});

e2e("the pharmacist check says which pairs have no rule, what the sources cover, and that it is not proof of safety", async () => {
  await nav("pharmacist");
  // Warfarin, amiodarone, simvastatin, clarithromycin, sertraline: the issue's five-drug check.
  const codes = ["ATC:B01AA03", "ATC:C01BD01", "ATC:C10AA01", "ATC:J01FA09", "ATC:N06AB06"];
  const chips = async () => (await browser.$$('[data-testid="check-list"] li.chip')).length;
  await browser.waitUntil(
    async () => {
      await (await browser.$('[data-testid="paste-codes"]')).setValue(codes.join(", "));
      await browser.pause(100);
      await (await browser.$('[data-testid="add-pasted"]')).click();
      await browser.pause(100);
      return (await chips()) === 5;
    },
    { timeout: 10000, timeoutMsg: "the five pasted codes were not added to the list" },
  );
  await (await browser.$('[data-testid="check"]')).click();
  await (await browser.$('[data-testid="ddi-matrix"]')).waitForDisplayed({ timeout: 10000 });
  const graded = [];
  for (const c of await browser.$$('[data-testid="ddi-cell"]')) graded.push(await c.getText());
  // Warfarin x clarithromycin and amiodarone x clarithromycin, "–" when the issue was filed.
  const matrixText = await (await browser.$('[data-testid="ddi-matrix"]')).getText();
  assert.ok(graded.filter((t) => /major|contraindicated/i.test(t)).length >= 8, `cells: ${graded}`);
  const pair = (a, b) => `[data-testid="finding"][data-a="${a}"][data-b="${b}"], [data-testid="finding"][data-a="${b}"][data-b="${a}"]`;
  const warfarinClarithro = await browser.$(pair("ATC:B01AA03", "ATC:J01FA09"));
  assert.ok(await warfarinClarithro.isExisting(), "warfarin x clarithromycin has a rule now");
  for (const none of await browser.$$('[data-testid="ddi-cell-none"]')) {
    assert.match(await none.getText(), /no rule/i, "a pair without a rule says so, never a bare dash");
    assert.match(await none.getHTML(), /No rule in the loaded sources .* not proof/);
  }
  assert.doesNotMatch(matrixText, /^\s*[–-]\s*$/m);
  const coverage = await (await browser.$('[data-testid="ddi-coverage"]')).getText();
  assert.match(coverage, /Checked against [\d,]+ rules from \d+ sources?/);
  assert.match(coverage, /duplicate therapy/i);
  assert.match(coverage, /not proof that the combination is safe/);
  await fullShot("pharmacist-five-drugs");
  // An error is written for a person, and the old table does not stay under a new list.
  await (await browser.$('[data-testid="paste-codes"]')).setValue("NOT A CODE");
  await (await browser.$('[data-testid="add-pasted"]')).click();
  await browser.pause(300);
  assert.doesNotMatch(await (await browser.$("main")).getText(), /invalid args|for command/);
  await (await browser.$('[data-testid="paste-codes"]')).setValue("ATC:N02BE01");
  await (await browser.$('[data-testid="add-pasted"]')).click();
  await browser.waitUntil(async () => (await chips()) === 6, { timeout: 10000, timeoutMsg: "paracetamol was not added" });
  const stale = await browser.$('[data-testid="stale-results"]');
  const results = await browser.$('[data-testid="check-results"]');
  assert.ok(
    (await stale.isDisplayed().catch(() => false)) || !(await results.isExisting()),
    "a changed list marks the old results stale (or clears them)",
  );
  const page = await (await browser.$("main")).getText();
  assert.doesNotMatch(page, /invalid args|for command/);
});

// ---------------------------------------------------------------- FHIR
// These two run last: the export records a second decision (the audit test above counts exactly
// one), and the import adds 100 real patients to the store the earlier tests (model gate
// evaluation, patient list) expect to hold only the demo cohort.

e2e("a recorded decision is exported as a FHIR R4 Bundle", async () => {
  await nav("patients");
  await (await browser.$('[data-testid="patient-search"]')).setValue(FHIR_PATIENT);
  const open = await browser.$(`[data-testid="patient-row"][data-id="${FHIR_PATIENT}"] button.row-open`);
  await open.waitForDisplayed({ timeout: 10000 });
  await open.click();
  // The earlier patient's timeline may still be on screen: wait for this one's.
  await browser.waitUntil(
    async () => {
      const h = await browser.$("#timeline-h");
      return (await h.isExisting()) && (await h.getText()).startsWith(FHIR_PATIENT);
    },
    { timeout: 10000, timeoutMsg: `${FHIR_PATIENT}'s timeline did not open` },
  );
  const buttons = await browser.$$('[data-testid="suggest-for-visit"]');
  await buttons[buttons.length - 1].click();
  const subject = await browser.$('[data-testid="visit-subject"]');
  await subject.waitForDisplayed({ timeout: 10000 });
  assert.match(await subject.getText(), new RegExp(`Patient ${FHIR_PATIENT}`));
  const exportButton = await browser.$('[data-testid="export-fhir"]');
  await exportButton.waitForDisplayed();

  // Nothing recorded for this visit yet (unless the interaction test above chose this patient).
  if (interactionPatient.id !== FHIR_PATIENT) {
    await exportButton.click();
    const banner = await browser.$('[data-testid="fhir-export"] [data-testid="error-banner"]');
    await banner.waitForDisplayed({ timeout: 10000 });
    assert.equal(await banner.getAttribute("data-code"), "not_found");
    assert.match(await banner.getText(), /no decision has been recorded for this visit yet/);
  }

  await (await browser.$('[data-testid="suggest"]')).click();
  await (await browser.$('[data-testid="primary-list"]')).waitForDisplayed({ timeout: 20000 });
  // The macrolides: the current azithromycin is listed first (and chosen by default), then
  // clarithromycin, which the curated rules flag with azithromycin (QT group).
  const macrolide = await browser.$('[data-testid="suggestion"][data-code="ATC:J01F"]');
  assert.ok(await macrolide.isExisting(), `${FHIR_PATIENT}'s suggestions include the macrolides (ATC:J01F)`);
  const candidates = [];
  for (const c of await macrolide.$$('[data-testid="candidate"]')) candidates.push(await c.getAttribute("data-drug"));
  assert.deepEqual(candidates.slice(0, 2), ["ATC:J01FA10", "ATC:J01FA09"], "azithromycin, then clarithromycin");
  assert.match(await macrolide.getText(), /continue: Azithromycin PO — last visit/);
  assert.equal(await (await macrolide.$('[data-testid="candidate"][data-drug="ATC:J01FA10"]')).isSelected(), true);
  // Choose the non-default clarithromycin: the interaction panel shows the drug-level pair at once.
  const chosen = "ATC:J01FA09";
  await (await macrolide.$(`[data-testid="candidate"][data-drug="${chosen}"]`)).click();
  const pair = await browser.$('[data-testid="interactions"] [data-testid="finding"][data-a="ATC:J01FA10"][data-b="ATC:J01FA09"]');
  await pair.waitForDisplayed({ timeout: 10000 });
  assert.equal(await pair.getAttribute("data-severity"), "major");
  await (await macrolide.$('[data-testid="decision-accept"]')).click();
  // Clarithromycin is part of a major finding: accepting it needs an override reason; until one
  // is given the item is not accepted.
  const form = await macrolide.$('[data-testid="override-form"]');
  await form.waitForDisplayed({ timeout: 10000 });
  assert.match(await (await form.$('[data-testid="override-findings"]')).getText(), /major/i);
  await (await form.$('[data-testid="override-other"]')).click();
  await (await form.$('[data-testid="override-confirm"]')).click();
  assert.ok(await form.isDisplayed(), "'other' without an explanation is refused");
  await (await form.$('[data-testid="override-comment"]')).setValue("QT checked on admission ECG; azithromycin stopped");
  await fullShot("composer-override-demo-012");
  await (await form.$('[data-testid="override-confirm"]')).click();
  const summary = await browser.$('[data-testid="decision-summary"]');
  await summary.waitForDisplayed();
  assert.match(await summary.getText(), /Accept Macrolide antibiotics: Clarithromycin PO\s*ATC:J01FA09/);
  await fullShot("composer-candidates-demo-012");
  await (await browser.$('[data-testid="record-decision"]')).click();
  const dialog = await browser.$('[data-testid="record-confirm"]');
  await dialog.waitForDisplayed({ timeout: 10000 });
  assert.match(await (await browser.$('[data-testid="summary-counts"]')).getText(), /accepted 1/i);
  await shot("composer-record-summary-demo-012");
  await dialog.click();
  await (await browser.$('[data-testid="recorded"]')).waitUntil(async function () { return /#\d+/.test(await this.getText()); }, { timeout: 10000 });
  // The audit log names the chosen ingredient, and the interaction of what was decided.
  const decision = cli("audit", "--kind", "decision").find((e) => e.payload.patient_id === FHIR_PATIENT);
  assert.ok(decision, `a decision for ${FHIR_PATIENT} is in the audit log`);
  const item = decision.payload.decisions.find((x) => x.medication === "ATC:J01F");
  assert.deepEqual(item.choice, { kind: "drug", drug: chosen, route: "PO" }, JSON.stringify(item));
  assert.equal(item.action, "accept");
  assert.deepEqual(item.override_reason, { reason: "other", comment: "QT checked on admission ECG; azithromycin stopped" });
  assert.equal(decision.actor, `clinician:${E2E_USER}`);
  assert.equal(decision.payload.safe_mode, false);
  assert.ok(
    decision.payload.interactions.some((f) => [f.a, f.b].includes(chosen) && [f.a, f.b].includes("ATC:J01FA10")),
    `the decided clarithromycin × current azithromycin is on record: ${JSON.stringify(decision.payload.interactions)}`,
  );
  // The chosen ingredient's code value (`ATC:J01FA09` → `J01FA09`) must appear in a MedicationRequest's coding.
  const accepted = chosen.replace(/^[A-Z0-9]+:/, "");

  await (await browser.$('[data-testid="export-fhir"]')).click();
  const status = await browser.$('[data-testid="export-fhir-status"]');
  await status.waitUntil(async function () { return /Saved a FHIR R4 Bundle/.test(await this.getText()); }, {
    timeout: 20000,
    timeoutMsg: "the FHIR export did not report a saved Bundle",
  });
  const text = await status.getText();
  const file = await status.getAttribute("data-file");
  assert.ok(file && path.isAbsolute(file), `absolute path of the Bundle: ${file}`);
  assert.ok(text.includes(file), text);
  assert.ok(fs.existsSync(file), `${file} was written`);
  fs.mkdirSync(path.dirname(FHIR_EXPORTS_LIST), { recursive: true });
  fs.appendFileSync(FHIR_EXPORTS_LIST, `${file}\n`);

  const bundle = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.equal(bundle.resourceType, "Bundle");
  assert.equal(bundle.type, "collection");
  const resources = (bundle.entry ?? []).map((e) => e.resource);
  const ofType = (t) => resources.filter((r) => r?.resourceType === t);
  const requests = ofType("MedicationRequest");
  assert.ok(requests.length >= 1, "at least one MedicationRequest");
  assert.ok(requests.every((r) => r.status === "draft"), "suggestions are exported as drafts");
  assert.ok(JSON.stringify(requests).includes(`"${accepted}"`), `the accepted ${accepted} is requested`);
  assert.ok(ofType("Provenance").length >= 1, "a Provenance");
  // The status line counts what the file holds.
  assert.match(text, new RegExp(`\\b${requests.length} medication requests?\\b`));
  assert.match(text, new RegExp(`\\b${ofType("DetectedIssue").length} interaction alerts?\\b`));
  await (await browser.$('[data-testid="export-fhir-status"]')).scrollIntoView({ block: "center" });
  await shot("composer-fhir-export");
});

e2e("the Audit screen shows who decided, their role, the patient and the drugs by name", async () => {
  await nav("audit");
  const row = await browser.$(`[data-testid="audit-row"][data-kind="decision"]`);
  await row.waitForDisplayed({ timeout: 10000 });
  const rows = await browser.$$('[data-testid="audit-row"][data-kind="decision"]');
  const texts = [];
  for (const r of rows) texts.push(await r.getText());
  const demo012 = texts.find((t) => t.includes(FHIR_PATIENT));
  assert.ok(demo012, `a decision row names ${FHIR_PATIENT}: ${texts.join(" | ")}`);
  assert.match(demo012, new RegExp(E2E_USER));
  assert.match(demo012, /clinician/i);
  assert.match(demo012, /Clarithromycin/i, "the chosen drug by name");
  assert.match(demo012, /Other|QT checked/i, "the override reason");
  assert.ok(await (await browser.$('[data-testid="audit-row"][data-kind="recommendation"]')).isExisting(), "recommendation events are listed");
  await fullShot("audit-user-role");
});

e2e("the composer holds at 1024×700: nothing overflows the window or overlaps", async () => {
  const before = await browser.getWindowSize();
  await browser.setWindowSize(1024, 700);
  try {
    await nav("patients");
    await (await browser.$('[data-testid="patient-search"]')).setValue(FHIR_PATIENT);
    const open = await browser.$(`[data-testid="patient-row"][data-id="${FHIR_PATIENT}"] button.row-open`);
    await open.waitForDisplayed({ timeout: 10000 });
    await open.click();
    await composeLatestVisit(FHIR_PATIENT);
    await (await browser.$('[data-testid="suggest"]')).click();
    await (await browser.$('[data-testid="primary-list"]')).waitForDisplayed({ timeout: 20000 });
    const problems = await browser.execute(() => {
      const out = [];
      const doc = document.documentElement;
      if (doc.scrollWidth > window.innerWidth + 1) out.push(`page scrolls sideways: ${doc.scrollWidth} > ${window.innerWidth}`);
      const boxes = [...document.querySelectorAll("label, button, h1, h2, h3, legend, th")]
        .filter((e) => e.offsetParent !== null && !e.closest("dialog:not([open])"))
        .map((e) => ({ e, r: e.getBoundingClientRect() }))
        .filter(({ r }) => r.width > 0 && r.height > 0);
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i], b = boxes[j];
          if (a.e.contains(b.e) || b.e.contains(a.e)) continue;
          const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
          const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
          if (w > 2 && h > 2) out.push(`${a.e.tagName} "${a.e.textContent.trim().slice(0, 30)}" overlaps ${b.e.tagName} "${b.e.textContent.trim().slice(0, 30)}"`);
        }
      return out.slice(0, 10);
    });
    await fullShot("composer-1024x700");
    assert.deepEqual(problems, []);
  } finally {
    await browser.setWindowSize(before.width, before.height);
  }
});

// DEMO-005's latest visit starts amiodarone while the patient is on digoxin. The suggestions do
// not include amiodarone, so their own interaction panel has nothing to say; the review of the
// visit's orders must show the major drug-level pair.
const REVIEW_PATIENT = "DEMO-005";

e2e("a stored visit's orders are reviewed: DEMO-005's amiodarone with the current digoxin is a MAJOR warning", async () => {
  const answer = cli("recommend", "--patient", REVIEW_PATIENT, "--no-evidence");
  assert.ok(answer.review, "the CLI's answer for a stored visit carries a review");
  await nav("patients");
  await (await browser.$('[data-testid="patient-search"]')).setValue(REVIEW_PATIENT);
  const open = await browser.$(`[data-testid="patient-row"][data-id="${REVIEW_PATIENT}"] button.row-open`);
  await open.waitForDisplayed({ timeout: 10000 });
  await open.click();
  await browser.waitUntil(
    async () => {
      const h = await browser.$("#timeline-h");
      return (await h.isExisting()) && (await h.getText()).startsWith(REVIEW_PATIENT);
    },
    { timeout: 10000, timeoutMsg: `${REVIEW_PATIENT}'s timeline did not open` },
  );
  const buttons = await browser.$$('[data-testid="suggest-for-visit"]');
  await buttons[buttons.length - 1].click();
  const subject = await browser.$('[data-testid="visit-subject"]');
  await subject.waitForDisplayed({ timeout: 10000 });
  assert.match(await subject.getText(), new RegExp(`Patient ${REVIEW_PATIENT}`));
  await (await browser.$('[data-testid="suggest"]')).click();
  // This visit's review (an earlier patient's answer may still be on screen until the new one comes).
  await (await browser.$('[data-testid="visit-review"] [data-testid="review-order"][data-drug="ATC:C01BD01"]')).waitForDisplayed({
    timeout: 20000,
  });
  const review = await browser.$('[data-testid="visit-review"]');

  // The visit's orders, each with what it matches: amiodarone is not suggested, digoxin is.
  const drugs = [];
  for (const o of await review.$$('[data-testid="review-order"]')) drugs.push(await o.getAttribute("data-drug"));
  assert.deepEqual(drugs, answer.review.orders.map((o) => o.drug));
  assert.ok(drugs.includes("ATC:C01BD01") && drugs.includes("ATC:C01AA05"), drugs.join(", "));
  const amio = await review.$('[data-testid="review-order"][data-drug="ATC:C01BD01"]');
  assert.match(await amio.getText(), /Amiodarone[\s\S]*not suggested/);
  const digoxin = await review.$('[data-testid="review-order"][data-drug="ATC:C01AA05"]');
  assert.match(await digoxin.getText(), /Digoxin[\s\S]*matches suggestion: Digitalis heart medicines/);

  // The review's finding: digoxin (current) × amiodarone (ordered), drug-level, major.
  const card = await review.$('[data-testid="review-interactions"] [data-testid="finding"][data-a="ATC:C01AA05"][data-b="ATC:C01BD01"]');
  await card.waitForDisplayed({ timeout: 10000 });
  assert.equal(await card.getAttribute("data-severity"), "major");
  assert.equal(await (await card.$('[data-testid="certainty"]')).getAttribute("data-certainty"), "drug");
  assert.match(await card.getText(), /Digoxin[\s\S]*\(current\)[\s\S]*Amiodarone[\s\S]*\(ordered at this visit\)/);
  assert.match(await card.getText(), /Halve the digoxin dose/);
  // Nothing about it among the suggestions' warnings, which point to the review instead.
  assert.equal(
    await (await browser.$('[data-testid="interactions"] [data-testid="finding"][data-b="ATC:C01BD01"]')).isExisting(),
    false,
  );
  assert.match(
    await (await browser.$('[data-testid="review-pointer"]')).getText(),
    /This visit's own orders: 1 major or contraindicated interaction warning/,
  );
  assert.match(
    await (await browser.$('[data-testid="composer-status"]')).getText(),
    /review of the visit's orders: 1 major or contraindicated warning\.$/,
  );
  await fullShot("composer-review-demo-005");
  await review.scrollIntoView({ block: "start" });
  await shot("composer-review-demo-005-panel");
});

e2e("the MIMIC-IV-on-FHIR demo (Bulk Data NDJSON) is imported with the shipped code-system mapping", async () => {
  assert.ok(fs.existsSync(FHIR_DEMO), `the MIMIC-IV-on-FHIR demo is expected at ${FHIR_DEMO}`);
  measureMemory();
  await nav("import");
  await (await browser.$('[data-testid="kind-fhir"]')).click();
  const systems = await browser.$('[data-testid="fhir-systems"]');
  await systems.waitForDisplayed({ timeout: 10000 });
  // Choosing an <option> by a WebDriver click is not dependable in every WebKit build: if the
  // value did not change, set it as the browser would and send the change event.
  await browser.waitUntil(
    async () => {
      await systems.selectByVisibleText("MIMIC-IV on FHIR (shipped mapping)").catch(() => {});
      await browser.pause(100);
      if ((await systems.getValue()) !== "mimic")
        await browser.execute((el) => {
          el.value = "mimic";
          el.dispatchEvent(new Event("change", { bubbles: true }));
        }, systems);
      await browser.pause(100);
      return (await systems.getValue()) === "mimic";
    },
    { timeout: 10000, timeoutMsg: "the MIMIC-IV on FHIR mapping could not be chosen" },
  );
  await (await browser.$('[data-testid="import-dir"]')).setValue(FHIR_DEMO);
  const t0 = Date.now();
  await (await browser.$('[data-testid="start-import"]')).click();
  const summary = await browser.$('[data-testid="import-summary"]');
  // Some 150,000 resources in a debug build: give it time; a failure shows in the banner at once.
  await browser.waitUntil(
    async () => (await summary.isExisting()) || (await (await browser.$('[data-testid="error-banner"]')).isExisting()),
    { timeout: 600000, interval: 1000, timeoutMsg: "the FHIR import neither finished nor failed in 10 minutes" },
  );
  const banner = await browser.$('[data-testid="error-banner"]');
  assert.ok(!(await banner.isExisting()), `import failed: ${(await banner.isExisting()) ? await banner.getText() : ""}`);
  measurements.fhir_import_ms = Date.now() - t0;
  const text = await summary.getText();
  // WebKit's getText joins the table cells without spaces.
  assert.match(text, /Patients\s*100(?!\d)/);
  assert.match(text, /Visits\s*275(?!\d)/);
  assert.match(text, /Diagnoses\s*4506(?!\d)/);
  // This store has no drug → ATC map: the screen says so instead of a silent 0% mapped.
  assert.ok(await (await browser.$('[data-testid="no-drug-map-note"]')).isExisting(), "the missing drug map is explained");
  const types = [];
  for (const r of await browser.$$('[data-testid="import-resources"] tbody tr')) types.push(await r.getAttribute("data-key"));
  assert.ok(types.length > 0, "the resources read table is not empty");
  assert.ok(types.includes("Patient"), `Patient resources were read: ${types}`);
  await (await browser.$('[data-testid="import-summary"]')).scrollIntoView({ block: "start" });
  await shot("import-fhir");
});

e2e("a MIMIC-IV demo patient's visit gets suggestions with candidates", async () => {
  await nav("patients");
  await (await browser.$('[data-testid="patient-search"]')).setValue("1");
  let id = null;
  await browser.waitUntil(
    async () => {
      for (const r of await browser.$$('[data-testid="patient-row"]')) {
        const rid = await r.getAttribute("data-id");
        if (rid && !rid.startsWith("DEMO-")) {
          id = rid;
          return true;
        }
      }
      return false;
    },
    { timeout: 10000, timeoutMsg: "no imported MIMIC-IV patient in the list" },
  );
  await (await browser.$(`[data-testid="patient-row"][data-id="${id}"] button.row-open`)).click();
  await browser.waitUntil(
    async () => {
      const h = await browser.$("#timeline-h");
      return (await h.isExisting()) && (await h.getText()).startsWith(id);
    },
    { timeout: 10000, timeoutMsg: `${id}'s timeline did not open` },
  );
  const buttons = await browser.$$('[data-testid="suggest-for-visit"]');
  await buttons[buttons.length - 1].click();
  await (await browser.$('[data-testid="suggest"]')).click();
  const results = await browser.$('[data-testid="results"]');
  await results.waitForDisplayed({ timeout: 20000 });
  const text = await results.getText();
  // Either suggestions (each with its candidates or "class only") or the coverage refusal.
  const suggestions = await browser.$$('[data-testid="suggestion"]');
  if (!(await (await browser.$('[data-testid="coverage-withheld"]')).isExisting())) {
    assert.ok(suggestions.length > 0, `suggestions for ${id}`);
    for (const s of suggestions)
      assert.ok(
        (await s.$('[data-testid="candidates"]').isExisting()),
        `every suggestion lists candidates or says class only: ${await s.getAttribute("data-code")}`,
      );
  }
  assert.match(text, /statistics of past practice in this store|No suggestions/);
  measurements.mimic_patient = { id, suggestions: suggestions.length };
  await fullShot("composer-mimic-iv-demo");
});

/** Presses Tab until the focused element is `testid` (keyboard-only tests). */
async function tabTo(testid, max = 300) {
  for (let i = 0; i < max; i++) {
    if ((await browser.execute(() => document.activeElement?.getAttribute("data-testid"))) === testid) return;
    await browser.keys("Tab");
  }
  throw new Error(`Tab never reached ${testid}`);
}

const focused = () => browser.execute(() => document.activeElement?.getAttribute("data-testid"));

// Last: it starts from the stored visit the test before left in the composer.
e2e("keyboard only, in WebKit: from the menu to a recorded decision without the mouse", async () => {
  await browser.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await tabTo("nav-composer");
  await browser.keys("Enter");
  await (await browser.$("#composer-h")).waitForDisplayed({ timeout: 10000 });
  // A new ad-hoc visit (the test before left a stored visit's suggestions; leaving asks first).
  await tabTo("new-ad-hoc");
  await browser.keys("Enter");
  const leave = await browser.$('[data-testid="leave-confirm"]');
  if (await leave.isDisplayed().catch(() => false)) {
    await tabTo("leave-confirm");
    await browser.keys("Enter");
  }
  await (await browser.$('[data-testid="adhoc-subject"]')).waitForDisplayed({ timeout: 10000 });

  // The diagnosis: typed, the first match picked with Enter.
  await tabTo("diagnosis-picker-input");
  // (WebKitWebDriver drops a repeated key, the second "l" of "fibrillation": text without one.)
  await browser.keys([..."atrial fib"]);
  await (await browser.$('[data-testid="diagnosis-picker"] [role="option"]')).waitForDisplayed({ timeout: 10000 });
  // The ICD-10 match, reached with the arrow keys (the MIMIC-IV import added ICD-9 ones).
  const selected = () => browser.execute(() => document.querySelector('[data-testid="diagnosis-picker"] [role="option"][aria-selected="true"]')?.getAttribute("data-code") ?? "");
  for (let i = 0; i < 20 && !(await selected()).startsWith("ICD10CM:I48"); i++) await browser.keys("ArrowDown");
  assert.match(await selected(), /^ICD10CM:I48/, "an ICD-10 atrial fibrillation code is among the matches");
  await browser.keys("Enter");
  const chip = await browser.$('[data-testid="diagnoses"] [data-code^="ICD10CM:I48"]');
  await chip.waitForExist({ timeout: 10000 });

  // Suggest with Enter on the button; then the first card's decision with the arrow keys.
  await tabTo("suggest");
  await browser.keys("Enter");
  const results = await browser.$('[data-testid="results"]');
  await results.waitForDisplayed({ timeout: 20000 });
  await tabTo("decision-none");
  await browser.keys("ArrowRight");
  assert.equal(await focused(), "decision-accept", "the arrow key moves within the radio group");
  // Enter on "Record decisions…" opens the summary with Record focused; Enter records.
  await tabTo("record-decision");
  await browser.keys("Enter");
  await (await browser.$('[data-testid="record-dialog"]')).waitForDisplayed({ timeout: 10000 });
  assert.equal(await focused(), "record-confirm");
  assert.match(await (await browser.$('[data-testid="record-dialog"]')).getText(), /accepted 1/i);
  await shot("keyboard-record-summary");
  await browser.keys("Enter");
  const recorded = await browser.$('[data-testid="recorded"]');
  await recorded.waitUntil(async function () { return /#\d+/.test(await this.getText()); }, { timeout: 10000 });
  const id = Number(/#(\d+)/.exec(await recorded.getText())[1]);
  const event = cli("audit", "--kind", "decision", "--limit", "1")[0];
  assert.equal(event.id, id);
  assert.equal(event.payload.decisions.length, 1);
  assert.equal(event.payload.decisions[0].action, "accept");
});
