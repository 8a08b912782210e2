import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { isGzipBytes } from "../trace/reader.ts";
import { DISCARD_EVENTS, streamTraceEvents } from "./traceFile.ts";
import { UsageError } from "./command.ts";
import { projectRoot } from "./projectRoot.ts";
import { readUserFile } from "./userFile.ts";

/** The built viewer (vite build): dist/viz in the checkout. */
export const vizDist = (): string => join(projectRoot(), "dist/viz");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

/** Build the viewer with Vite unless dist/viz is newer than every source it bundles. */
export async function ensureViewerBuilt(log: (s: string) => void): Promise<void> {
  const root = projectRoot();
  const index = join(vizDist(), "index.html");
  const sources = Math.max(newest(join(root, "viz")), newest(join(root, "sim")), newest(join(root, "protocols")));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  log("building the viewer (vite build)...");
  const { build } = await import("vite");
  await build({ configFile: join(root, "vite.config.ts"), logLevel: "error" });
}

export interface ViewServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serve the built viewer and one trace on 127.0.0.1 only. */
export async function startViewServer(tracePath: string, port: number): Promise<ViewServer> {
  // Check it first (streamed, keeping nothing): a bad trace is a clear error, not a broken page.
  await streamTraceEvents(tracePath, DISCARD_EVENTS);
  const traceBytes = readUserFile(tracePath);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/trace") {
      // A gzip trace goes out as gzip content-encoding: the browser's network stack inflates it natively, several
      // times faster than a DecompressionStream in the page (1.8 s for a 1M-event trace).
      const gz = isGzipBytes(traceBytes);
      res.writeHead(200, {
        "content-type": "application/x-ndjson",
        "cache-control": "no-store",
        ...(gz ? { "content-encoding": "gzip" } : {}),
      });
      res.end(traceBytes);
      return;
    }
    const dist = vizDist();
    const file = resolve(dist, `.${url.pathname === "/" ? "/index.html" : decodeURIComponent(url.pathname)}`);
    if (!file.startsWith(dist + sep) || !existsSync(file) || statSync(file).isDirectory()) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      fail(new UsageError(`cannot listen on 127.0.0.1:${port}: ${e.code ?? e.message}`)),
    );
    server.listen(port, "127.0.0.1", () => ok());
  });
  const address = server.address();
  const actual = typeof address === "object" && address !== null ? address.port : port;
  return {
    url: `http://127.0.0.1:${actual}/?trace=/trace`,
    port: actual,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
