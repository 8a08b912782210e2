/** Share links: scenario + seed + bug variants, deflated and base64url-encoded into the page address. */
import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";

export interface Shared {
  scenario: ResolvedScenario;
  seed: number;
  /** Bug variants switched on (the trace header's `bugs`); links made before they were shared have none. */
  bugs: string[];
}

function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(s, (c) => c.charCodeAt(0)) as Uint8Array<ArrayBuffer>;
}

export async function encodeShare(shared: Shared): Promise<string> {
  const stream = new Blob([JSON.stringify(shared)]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return toBase64Url(new Uint8Array(await new Response(stream).arrayBuffer()));
}

export async function decodeShare(text: string): Promise<Shared> {
  const stream = new Blob([fromBase64Url(text) as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream("deflate-raw"));
  const shared = JSON.parse(await new Response(stream).text()) as Partial<Shared>;
  if (typeof shared.seed !== "number" || typeof shared.scenario !== "object" || shared.scenario === null)
    throw new Error("expected a scenario and a seed");
  const bugs = shared.bugs ?? [];
  if (!Array.isArray(bugs) || bugs.some((b) => typeof b !== "string"))
    throw new Error("bugs: expected a list of bug variant names");
  return { scenario: shared.scenario, seed: shared.seed, bugs };
}
