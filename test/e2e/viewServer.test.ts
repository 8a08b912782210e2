import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../protocols/index.ts";
import { writeTraceFile } from "../../sim/cli/traceFile.ts";
import { isOwnHost, requestPath, startViewServer, type ViewServer } from "../../sim/cli/viewServer.ts";
import { runScenario } from "../../sim/world/simulation.ts";
import { pingScenario } from "../../bench/workloads/ping.ts";

let server: ViewServer;

/** One raw request (any method, path and Host header, unlike fetch): its status and body. */
function raw(method: string, path: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: server.port,
        method,
        path,
        headers: { host: host ?? `127.0.0.1:${server.port}` },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => ok({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", fail);
    req.end();
  });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-viewserver-"));
  const r = runScenario(pingScenario(200_000, false), { registry, seed: 1, sink: "record" });
  const path = join(dir, "ping.ndjson");
  if (r.trace) await writeTraceFile(path, r.trace);
  server = await startViewServer(path, 0);
});

afterAll(async () => {
  await server?.close();
});

describe("the view server", () => {
  it("answers 400 to a malformed URL and keeps serving", async () => {
    expect((await raw("GET", "/%")).status).toBe(400);
    expect((await raw("GET", "/%E0%A4%A")).status).toBe(400);
    const trace = await raw("GET", "/trace");
    expect(trace.status).toBe(200);
    expect(trace.body).toMatch(/^\{"format":"faultline-trace"/);
  });

  it("answers 405 to methods other than GET and HEAD", async () => {
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) expect((await raw(method, "/trace")).status).toBe(405);
    const head = await raw("HEAD", "/trace");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("refuses a Host header other than 127.0.0.1 or localhost with its port (DNS rebinding)", async () => {
    expect((await raw("GET", "/trace", "evil.example:80")).status).toBe(403);
    expect((await raw("GET", "/trace", `evil.example:${server.port}`)).status).toBe(403);
    expect((await raw("GET", "/trace", "127.0.0.1")).status).toBe(403);
    expect((await raw("GET", "/trace", `localhost:${server.port}`)).status).toBe(200);
  });

  it("decodes paths and checks hosts as pure functions", () => {
    expect(requestPath("/%")).toBeNull();
    expect(requestPath("/a%20b")).toBe("/a b");
    expect(isOwnHost("127.0.0.1:80", 80)).toBe(true);
    expect(isOwnHost("localhost:81", 80)).toBe(false);
    expect(isOwnHost(undefined, 80)).toBe(false);
  });
});
