/** Share links: scenario + seed, deflated and base64url-encoded into the page address. */
import type { ResolvedScenario } from "../../sim/scenario/resolved.ts";

export interface Shared {
  scenario: ResolvedScenario;
  seed: number;
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
  const shared = JSON.parse(await new Response(stream).text()) as Shared;
  if (typeof shared.seed !== "number" || typeof shared.scenario !== "object")
    throw new Error("expected a scenario and a seed");
  return shared;
}
