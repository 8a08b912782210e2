import { paxos } from "../../../protocols/paxos/index.ts";
import type { Cmd, PaxosMsg } from "../../../protocols/paxos/messages.ts";
import type { PaxosOptions } from "../../../protocols/paxos/options.ts";
import type { PaxosState } from "../../../protocols/paxos/state.ts";
import { amongst, Cluster as HandDrivenCluster, type Sent as AnySent } from "../cluster.ts";

export { all, amongst, between, from, ofType, to } from "../cluster.ts";

export type Sent = AnySent<PaxosMsg>;

/**
 * A hand-driven Paxos cluster of `n` nodes (n1, n2, ...) with no engine (test/protocols/cluster.ts): messages queue
 * until a test delivers or drops them, timers fire only when a test fires them, and every step runs the four
 * invariants. Batching is off (each client command is proposed when the test fires "flush").
 */
export class Cluster extends HandDrivenCluster<PaxosState, PaxosMsg, PaxosOptions> {
  constructor(n: number, options: Partial<PaxosOptions> = {}, bugs: string[] = []) {
    super(
      paxos,
      Array.from({ length: n }, (_, i) => `n${i + 1}`),
      { batchMicros: 0, ...options },
      bugs,
    );
  }

  /** Crash: as in the base cluster, and the node's own messages in flight are lost too. */
  override crash(id: string): void {
    super.crash(id);
    this.drop((m) => m.from === id);
  }

  write(id: string, requestId: number, key: string, value: string): void {
    this.step(id, { kind: "client", requestId, clientId: `c${requestId}`, op: { f: "write", key, value } });
  }

  /** Ids of the values node `id` learned, slot 1 first ("-" for a slot not learned). */
  learned(id: string): string[] {
    const s = this.state(id);
    const out: string[] = [];
    for (let slot = 1; slot <= s.maxChosen; slot++) out.push((s.chosen[slot] as Cmd | undefined)?.id ?? "-");
    return out;
  }
}

/** Multi mode: `id` times out and runs phase 1 with `voters` (they all promise). */
export function elect(c: Cluster, id: string, voters: string[]): void {
  c.fire(id, "election");
  c.deliver(amongst(id, ...voters));
}
