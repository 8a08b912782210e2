import { raft } from "../../../protocols/raft/index.ts";
import type { RaftMsg } from "../../../protocols/raft/messages.ts";
import type { RaftState } from "../../../protocols/raft/state.ts";
import { Cluster as HandDrivenCluster, type Sent as AnySent } from "../cluster.ts";

export { amongst, between, to } from "../cluster.ts";

export type Sent = AnySent<RaftMsg>;

/**
 * A hand-driven Raft cluster of `n` nodes (n1, n2, ...) with no engine (test/protocols/cluster.ts): messages queue in
 * `inbox` until a test delivers or drops them, timers fire only when a test fires them, and every step runs all five
 * invariants (as the engine would).
 */
export class Cluster extends HandDrivenCluster<RaftState, RaftMsg> {
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
