import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
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

function refuse(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  res.end(`${text}\n`);
}

/** The path of a request URL, decoded; null if the URL or its escapes are malformed (`GET /%`). */
export function requestPath(url: string | undefined): string | null {
  try {
    return decodeURIComponent(new URL(url ?? "/", "http://127.0.0.1").pathname);
  } catch {
    return null;
  }
}

/**
 * Whether a Host header names this server: 127.0.0.1 or localhost with its port. Anything else is refused, so a page
 * whose DNS name was rebound to 127.0.0.1 cannot read the viewer or the trace.
 */
export function isOwnHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** Answer one request: GET or HEAD only, from this host only, of a well-formed path. */
function answer(req: IncomingMessage, res: ServerResponse, traceBytes: Uint8Array, port: number): void {
  if (req.method !== "GET" && req.method !== "HEAD")
    return refuse(res, 405, `method ${req.method ?? "?"} not allowed: GET or HEAD`, { allow: "GET, HEAD" });
  if (!isOwnHost(req.headers.host, port))
    return refuse(res, 403, `host ${req.headers.host ?? "(none)"} refused: expected 127.0.0.1:${port}`);
  const path = requestPath(req.url);
  if (path === null) return refuse(res, 400, "bad request: malformed URL");
  if (path === "/trace") {
    // A gzip trace goes out as gzip content-encoding: the browser's network stack inflates it natively, several
    // times faster than a DecompressionStream in the page (1.8 s for a 1M-event trace).
    const gz = isGzipBytes(traceBytes);
    res.writeHead(200, {
      "content-type": "application/x-ndjson",
      "cache-control": "no-store",
      "content-length": String(traceBytes.length),
      ...(gz ? { "content-encoding": "gzip" } : {}),
    });
    res.end(req.method === "HEAD" ? undefined : traceBytes);
    return;
  }
  const dist = vizDist();
  const file = resolve(dist, `.${path === "/" ? "/index.html" : path}`);
  if (!file.startsWith(dist + sep) || !existsSync(file) || statSync(file).isDirectory())
    return refuse(res, 404, "not found");
  const bytes = readFileSync(file);
  res.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "content-length": String(bytes.length),
  });
  res.end(req.method === "HEAD" ? undefined : bytes);
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
  let servedPort = port;
  const server: Server = createServer((req, res) => {
    try {
      answer(req, res, traceBytes, servedPort);
    } catch {
      // Nothing a request carries may stop the server: whatever slipped through the checks is a 500 for that request.
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("internal error");
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      fail(new UsageError(`cannot listen on 127.0.0.1:${port}: ${e.code ?? e.message}`)),
    );
    server.listen(port, "127.0.0.1", () => ok());
  });
  const address = server.address();
  const actual = typeof address === "object" && address !== null ? address.port : port;
  servedPort = actual;
  return {
    url: `http://127.0.0.1:${actual}/?trace=/trace`,
    port: actual,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
