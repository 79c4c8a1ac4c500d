// What the WebDriver scripts share (app.test.mjs, installed-refine.mjs).
import net from "node:net";

/** Resolves once something listens on `port` on loopback (tauri-driver and WebKitWebDriver). */
export function waitPort(port, ms = 20000) {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tryOnce = () => {
      const s = net.connect(port, "127.0.0.1", () => { s.destroy(); resolve(); });
      s.on("error", () => { s.destroy(); Date.now() > until ? reject(new Error(`port ${port} never opened`)) : setTimeout(tryOnce, 200); });
    };
    tryOnce();
  });
}
