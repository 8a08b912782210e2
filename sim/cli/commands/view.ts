import { spawn } from "node:child_process";
import type { Argv } from "yargs";
import { UsageError, type CliCommand } from "../command.ts";
import { ensureViewerBuilt, startViewServer } from "../viewServer.ts";

export const viewCommand: CliCommand = {
  command: "view <trace>",
  describe: "Open a trace in the browser viewer (served on 127.0.0.1; prints the URL)",
  builder: (y: Argv) =>
    y
      .positional("trace", { type: "string", describe: "trace file (.ndjson or .ndjson.gz)" })
      .option("port", { type: "string", describe: "port (default: a free one)" })
      .option("open", { type: "boolean", describe: "also open the URL in the default browser" }),
  async run(argv, ctx) {
    const portText = argv.port === undefined ? "0" : String(argv.port);
    if (!/^\d+$/.test(portText) || Number(portText) > 65535)
      throw new UsageError(`--port: expected a port number 0-65535, got ${JSON.stringify(portText)}`);
    // The server checks the trace and takes the port before the viewer is built (seconds), so a missing or bad trace
    // or a busy port is reported at once; it reads the viewer's files only when the page asks for them.
    const server = await startViewServer(String(argv.trace), Number(portText));
    try {
      await ensureViewerBuilt((s) => ctx.stderr(s));
    } catch (e) {
      await server.close();
      throw e;
    }
    ctx.stdout("Faultline viewer (Ctrl-C to stop):");
    ctx.stdout(server.url);
    if (argv.open) {
      const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
      spawn(opener, [server.url], { stdio: "ignore", detached: true })
        .on("error", () => ctx.stderr(`could not run ${opener}; open the URL yourself`))
        .unref();
    }
    await new Promise<void>((done) => {
      const stop = () => {
        void server.close().then(done);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    return 0;
  },
};
