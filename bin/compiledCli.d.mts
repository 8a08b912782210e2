// Types of bin/compiledCli.mjs (plain JavaScript, so the launcher loads it without tsx).
export interface ManifestInput {
  path: string;
  size: number;
  mtimeMs: number;
}
export interface Manifest {
  format: number;
  hash: string;
  inputs: ManifestInput[];
}
export const ROOT: string;
export const COMPILED_DIR: string;
export const COMPILED_MAIN: string;
export const MANIFEST: string;
export function contentHash(paths: readonly string[], root?: string): string;
export function describeInputs(paths: readonly string[], root?: string): ManifestInput[];
export function makeManifest(paths: readonly string[], root?: string): Manifest;
export function compiledIsCurrent(dir?: string, root?: string): boolean;
