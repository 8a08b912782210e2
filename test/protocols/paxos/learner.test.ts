import { describe, expect, it } from "vitest";
import { makeBallot } from "../../../protocols/paxos/ballot.ts";
import type { Cmd } from "../../../protocols/paxos/messages.ts";
import { Cluster } from "./harness.ts";

const write = (id: number, value: string): Cmd => ({
  type: "kv",
  id: `r${id}`,
  requestId: id,
  clientId: `c${id}`,
  op: { f: "write", key: "k", value },
});

describe("the learner", () => {
  it("counts acceptances at one ballot only when they carry the same command", () => {
    const c = new Cluster(5, { mode: "basic" });
    const ballot = makeBallot(7, 1, true);
    const send = (a: string, cmd: Cmd) =>
      c.step("n5", { kind: "message", from: a, msg: { type: "accepted", ballot, start: 1, values: [cmd] } });
    send("n1", write(1, "X"));
    send("n2", write(1, "X"));
    send("n3", write(2, "Y"));
    expect(c.state("n5").chosen[1]).toBeUndefined();
    send("n4", write(1, "X"));
    expect(c.state("n5").chosen[1]?.id).toBe("r1");
  });
});
