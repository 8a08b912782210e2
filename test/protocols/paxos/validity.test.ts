import { describe, expect, it } from "vitest";
import type { Cmd } from "../../../protocols/paxos/messages.ts";
import { all, Cluster, from, ofType, to } from "./harness.ts";

/** n1 runs phase 1 with everyone, so n1's learner counts acceptances at its ballot from n1, n2, n3. */
function prepared(): { c: Cluster; ballot: number } {
  const c = new Cluster(5, { mode: "basic" });
  c.write("n1", 1, "k", "X");
  c.fire("n1", "flush");
  c.deliver(all(from("n1"), ofType("prepare")));
  c.deliver(all(to("n1"), ofType("promise")));
  c.drop(ofType("accept"));
  return { c, ballot: c.state("n1").ballot };
}

function feed(c: Cluster, ballot: number, cmd: Cmd): void {
  for (const a of ["n2", "n3", "n4"])
    c.step("n5", { kind: "message", from: a, msg: { type: "accepted", ballot, start: 1, values: [cmd] } });
}

describe("validity", () => {
  it("fires when a majority's acceptances carry a command nobody proposed", () => {
    const { c, ballot } = prepared();
    const fake: Cmd = {
      type: "kv",
      id: "r999",
      requestId: 999,
      clientId: "c999",
      op: { f: "write", key: "k", value: "Z" },
    };
    feed(c, ballot, fake);
    expect(c.state("n5").chosen[1]?.id).toBe("r999");
    expect(c.violations.filter((v) => v.startsWith("validity:"))).toEqual([
      "validity: n5 learned r999 (write k Z) for slot 1, which nobody proposed",
    ]);
  });

  it("fires when a proposed command's id carries another operation", () => {
    const { c, ballot } = prepared();
    const forged: Cmd = {
      type: "kv",
      id: "r1",
      requestId: 1,
      clientId: "c1",
      op: { f: "write", key: "k", value: "Z" },
    };
    feed(c, ballot, forged);
    expect(c.violations.filter((v) => v.startsWith("validity:"))).toEqual([
      "validity: n5 learned r1 (write k Z) for slot 1, but r1 was proposed as r1 (write k X)",
    ]);
  });

  it("stays quiet when the majority's acceptances carry the proposed command", () => {
    const { c, ballot } = prepared();
    const real: Cmd = { type: "kv", id: "r1", requestId: 1, clientId: "c1", op: { f: "write", key: "k", value: "X" } };
    feed(c, ballot, real);
    expect(c.state("n5").chosen[1]?.id).toBe("r1");
    expect(c.violations).toEqual([]);
  });
});
