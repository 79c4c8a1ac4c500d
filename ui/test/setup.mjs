// Shared set-up for the mocked UI tests: one Vite dev server (mode "test", HMR off) serving
// test/harness.html, one headless Chromium (Debian's /usr/bin/chromium), a fresh page per
// test. Requests to anything but the local server are aborted and reported as failures;
// page errors and console errors fail the test too.

import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { createServer } from "vite";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const ARTIFACTS = join(ROOT, "test-artifacts");

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--headless=new",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

export async function startEnv() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await createServer({
    root: ROOT,
    configFile: join(ROOT, "vite.config.ts"),
    mode: "test",
    logLevel: "warn",
    server: { host: "127.0.0.1", port: 0, strictPort: false, hmr: false, watch: null, open: false },
  });
  await server.listen();
  const { port } = server.httpServer.address();
  const origin = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  return {
    origin,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * A fresh page on the harness. `problems` collects external requests, page errors and
 * console errors; `check()` throws if there were any.
 */
export async function openApp(env, { width = 1280, height = 860 } = {}) {
  const context = await env.browser.newContext({ viewport: { width, height }, serviceWorkers: "block" });
  const problems = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.origin === env.origin) return route.continue();
    problems.push(`external request: ${url.href}`);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  await page.goto(`${env.origin}/test/harness.html`);
  await page.getByTestId("active-model").getByText("leader-student-refined").waitFor();
  return {
    page,
    problems,
    /** The recorded IPC calls, optionally of one command. */
    calls: (cmd) => page.evaluate((c) => window.__calls.filter((x) => !c || x.cmd === c), cmd ?? null),
    async shot(name) {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    check() {
      if (problems.length) throw new Error(problems.join("\n"));
    },
    close: () => context.close(),
  };
}

/** Presses Tab until the focused element has `data-testid=testid` (or fails after `max`). */
export async function tabTo(page, testid, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const id = await page.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? null);
    if (id === testid) return i + 1;
  }
  throw new Error(`Tab never reached [data-testid=${testid}] in ${max} presses`);
}
