// The installed app refines to a candidate with the refinement environment from the offline
// refine kit: run by tests/e2e/installed-kit.sh, inside a network namespace with loopback only,
// with a fresh HOME and no checkout. Drives /usr/bin/leader-rx through tauri-driver as hospital
// IT would: first start (name, role), Model screen (the environment is the kit's), a quick
// refinement, the candidate beside the active model. Writes a screenshot and the timings to
// $ARTIFACTS.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { remote } from "webdriverio";
import { waitPort } from "./driver.mjs";

const APP = process.env.APP_BIN;
const ARTIFACTS = process.env.ARTIFACTS;
assert.ok(APP && fs.existsSync(APP), "APP_BIN: the installed app");
assert.ok(ARTIFACTS, "ARTIFACTS: where the screenshot goes");
fs.mkdirSync(ARTIFACTS, { recursive: true });

const driver = spawn("tauri-driver", ["--port", "4444"], { stdio: "ignore" });
let browser;
const measured = {};
try {
  await waitPort(4444);
  await waitPort(4445);
  browser = await remote({ hostname: "127.0.0.1", port: 4444, logLevel: "error", capabilities: { "tauri:options": { application: APP } } });
  const $ = (id) => browser.$(`[data-testid="${id}"]`);
  // First start: who is using it.
  await (await $("user-form")).waitForDisplayed({ timeout: 60000 });
  await (await $("user-name")).setValue("Hospital IT");
  await (await $("user-role-it")).click();
  await (await $("user-continue")).click();
  await (await $("patient-row")).waitForDisplayed({ timeout: 60000 });

  await (await $("nav-model")).click();
  const env = await $("refine-env");
  await env.waitForDisplayed({ timeout: 10000 });
  const envText = await env.getText();
  assert.match(envText, /installed from a refine kit \(kit built .* UTC, installed .* UTC\)/);
  assert.equal(await (await $("refine-env-missing")).isExisting(), false);
  measured.environment = envText;

  await (await $("refine-tiny")).click();
  const t0 = Date.now();
  await (await $("start-refine")).click();
  const result = await $("refine-result");
  await result.waitForDisplayed({ timeout: 20 * 60 * 1000, interval: 2000 });
  measured.app_refine_tiny_s = (Date.now() - t0) / 1000;
  measured.result = await result.getText();
  assert.match(measured.result, /Candidate/);
  measured.message = await (await $("refine-message")).getText();
  assert.match(measured.message, /Refinement finished/);
  await result.scrollIntoView();
  await browser.pause(500);
  await browser.saveScreenshot(path.join(ARTIFACTS, "installed-app-refine.png"));
} finally {
  fs.writeFileSync(path.join(ARTIFACTS, "installed-app-refine.json"), JSON.stringify(measured, null, 2));
  if (browser) await browser.deleteSession().catch(() => {});
  driver.kill();
}
console.log(JSON.stringify(measured, null, 2));
