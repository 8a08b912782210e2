import { ensureViewerBuilt, startViewServer, type ViewServer } from "../../sim/cli/viewServer.ts";

/** Build the viewer (once, if stale) and serve `trace` on 127.0.0.1. */
export async function serve(trace: string): Promise<ViewServer> {
  await ensureViewerBuilt(() => {});
  return startViewServer(trace, 0);
}
