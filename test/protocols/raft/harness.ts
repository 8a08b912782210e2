import { raft } from "../../../protocols/raft/index.ts";
import type { RaftMsg } from "../../../protocols/raft/messages.ts";
import type { RaftOptions } from "../../../protocols/raft/options.ts";
import type { RaftState } from "../../../protocols/raft/state.ts";
import { amongst, Cluster as HandDrivenCluster, type Sent as AnySent } from "../cluster.ts";

export { amongst, between, to } from "../cluster.ts";

export type Sent = AnySent<RaftMsg>;

/**
 * A hand-driven Raft cluster of `n` nodes (n1, n2, ...) with no engine (test/protocols/cluster.ts): messages queue in
 * `inbox` until a test delivers or drops them, timers fire only when a test fires them, and every step runs all five
 * invariants (as the engine would).
 */
export class Cluster extends HandDrivenCluster<RaftState, RaftMsg, RaftOptions> {
  constructor(n: number, options: Record<string, unknown> = {}, bugs: string[] = []) {
    super(
      raft,
      Array.from({ length: n }, (_, i) => `n${i + 1}`),
      options,
      bugs,
    );
  }

  /** Crash: as in the base cluster, and the node's own messages in flight are lost too. */
  override crash(id: string): void {
    super.crash(id);
    this.drop((m) => m.from === id);
  }

  client(id: string, requestId: number, key: string, value: string | null): void {
    this.request(id, requestId, value === null ? { f: "read", key } : { f: "write", key, value });
  }

  /** Entry ids of a node's log (index 1 first). */
  log(id: string): string[] {
    const s = this.state(id);
    const out: string[] = [];
    for (let i = s.log.base + 1; i <= s.log.lastIndex; i++) out.push(s.log.entry(i)?.id ?? "?");
    return out;
  }
}

/** Options that leave the paper's plain Raft: no PreVote, no CheckQuorum, no batching, no no-op on election. */
export const PLAIN_RAFT = { preVote: false, checkQuorum: false, batchMicros: 0, noopOnElection: false };

/** `id` times out and collects the votes of `voters`. */
export function elect(c: Cluster, id: string, voters: string[]): void {
  c.fire(id, "election");
  c.deliver(amongst(id, ...voters));
}

/**
 * Figure 8 of the Raft paper, steps (a) to (c). (a) S1 leads term 1 and replicates entry 2 to S2 only. (b) S1
 * crashes, S5 wins term 2 with S3 and S4 and appends a different entry 2, then crashes. (c) S1 restarts, wins term 3
 * and copies its entry 2 (of term 1) to S3: with S2 it is on a majority but must NOT be committed. Step (d) is the
 * caller's: S1 crashes, S5 wins and overwrites entry 2, safe only if it was never committed.
 */
export function figure8ThroughC(bugs: string[], options: Record<string, unknown> = {}): Cluster {
  const c = new Cluster(5, { ...PLAIN_RAFT, ...options }, bugs);
  const lead = (id: string, voters: string[]) => {
    elect(c, id, voters);
    if (c.state(id).role !== "leader") throw new Error(`Figure 8: ${id} did not win the election`);
  };
  lead("n1", ["n2", "n3", "n4", "n5"]);
  c.client("n1", 1, "k", "first");
  c.deliver();
  c.client("n1", 2, "k", "from-s1");
  c.deliver(amongst("n1", "n2"));
  c.drop();
  c.crash("n1");
  lead("n5", ["n3", "n4"]);
  c.client("n5", 3, "k", "from-s5");
  c.drop();
  c.crash("n5");
  c.restart("n1");
  c.fire("n1", "election"); // term 2 is taken: n1 learns it
  c.deliver(amongst("n1", "n2", "n3", "n4"));
  lead("n1", ["n2", "n3", "n4"]);
  c.fire("n1", "heartbeat");
  c.deliver(amongst("n1", "n2", "n3"));
  c.drop();
  return c;
}
