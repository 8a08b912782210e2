import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import type { KvOp } from "../../../sim/core/protocol.ts";
import { registry } from "../../../protocols/index.ts";
import type { KvValue, Session } from "../../../protocols/kv/kv.ts";
import { parseScenario } from "../../../sim/scenario/load.ts";
import { runScenario } from "../../../sim/world/simulation.ts";

/** While `on`, the protocols' KV state machine has a planted bug: an append drops the key's old value. */
const planted = vi.hoisted(() => ({ on: false }));

vi.mock("../../../protocols/kv/kv.ts", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../../protocols/kv/kv.ts")>();
  const kvNext = (current: KvValue, op: KvOp): KvValue =>
    planted.on && op.f === "append" ? op.value : real.kvNext(current, op);
  return {
    ...real,
    kvNext,
    kvApply: (current: KvValue, op: KvOp) => ({ value: kvNext(current, op), result: real.kvResult(current, op) }),
    // The replicated protocols apply through applySessionCommand, whose call to kvNext is inside the module: the same
    // bug is planted there by clearing the key before an append the session has not applied yet.
    applySessionCommand: (
      kv: Map<string, string>,
      sessions: Map<string, Session>,
      requestId: number,
      clientId: string,
      op: KvOp,
    ) => {
      const fresh = (sessions.get(clientId)?.requestId ?? -1) < requestId;
      if (planted.on && fresh && op.f === "append") kv.delete(op.key);
      return real.applySessionCommand(kv, sessions, requestId, clientId, op);
    },
  };
});

function linearizability(file: string): string | undefined {
  const s = parseScenario(readFileSync(file, "utf8"), file, registry);
  return runScenario(s, { registry, seed: 1, sink: "record" }).linearizability?.verdict;
}

describe("the protocols' KV state machine is checked by a model of its own", () => {
  it.each(["scenarios/raft-basic-agree.yaml", "scenarios/register-primary-backup.yaml", "scenarios/2pc-basic.yaml"])(
    "so a planted bug in it (append drops the old value) fails the linearizability check of %s",
    (file) => {
      planted.on = false;
      expect(linearizability(file)).toBe("ok");
      planted.on = true;
      try {
        expect(linearizability(file)).toBe("violation");
      } finally {
        planted.on = false;
      }
    },
  );
});

describe("the protocols", () => {
  it("import nothing from the checker (sim/check), so they cannot share its model", () => {
    const files = readdirSync("protocols", { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(10);
    const importers = files.filter((f) => /from "[./]*\/sim\/check\//.test(readFileSync(join("protocols", f), "utf8")));
    expect(importers).toEqual([]);
  });
});
