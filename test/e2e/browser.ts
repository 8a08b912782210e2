import { existsSync } from "node:fs";
import { chromium as pw, type Browser } from "playwright-core";

/**
 * Launch headless Chromium: the system's /usr/bin/chromium when present, otherwise the one shipped inside the
 * @sparticuz/chromium npm package (it unpacks itself into the temp folder). Nothing is downloaded at install time.
 * There is no skip: if no browser can start, the browser tests fail with this message.
 */
export async function launchBrowser(): Promise<Browser> {
  const flags = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
  ];
  const system = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));
  try {
    if (system !== undefined) return await pw.launch({ executablePath: system, headless: true, args: flags });
    const sparticuz = (await import("@sparticuz/chromium")).default;
    const executablePath = await sparticuz.executablePath();
    return await pw.launch({ executablePath, headless: true, args: [...sparticuz.args, ...flags] });
  } catch (e) {
    throw new Error(
      `no headless Chromium could start (system: ${system ?? "none"}; @sparticuz/chromium failed too): ` +
        `${(e as Error).message}`,
    );
  }
}
