/**
 * A scenario that cannot be loaded: names the file (or source), the path of the field inside it and what was expected.
 * Browser-safe.
 */
export class ScenarioError extends Error {
  override name = "ScenarioError";
  constructor(
    readonly source: string,
    readonly path: string,
    readonly detail: string,
  ) {
    super(path === "" ? `${source}: ${detail}` : `${source}: ${path}: ${detail}`);
  }
}
