import type { Invariant, InvariantContext } from "../../sim/core/protocol.ts";
import type { Entry } from "./messages.ts";
import type { RaftState } from "./state.ts";

type Ctx = InvariantContext<RaftState>;

/** At most one leader per term, ever. */
const electionSafety: Invariant<RaftState> = {
  name: "election-safety",
  description: "At most one leader can be elected in a given term (Raft paper, Figure 3).",
  create: () => {
    const leaderOf = new Map<number, string>();
    return (ctx: Ctx, i: number) => {
      const s = ctx.states[i];
      if (s === undefined || s.role !== "leader") return null;
      const id = ctx.nodes[i] as string;
      const seen = leaderOf.get(s.term);
      if (seen === undefined) leaderOf.set(s.term, id);
      else if (seen !== id) return `two leaders in term ${s.term}: ${seen} and ${id}`;
      return null;
    };
  },
};

/** A leader never overwrites or deletes entries in its log; it only appends. */
const leaderAppendOnly: Invariant<RaftState> = {
  name: "leader-append-only",
  description: "A leader never overwrites or deletes entries in its log; it only appends new entries.",
  create: () => {
    const seen: ({ term: number; last: number; lastTerm: number; version: number } | undefined)[] = [];
    return (ctx: Ctx, i: number) => {
      const s = ctx.states[i];
      if (s === undefined || s.role !== "leader") {
        seen[i] = undefined;
        return null;
      }
      const prev = seen[i];
      const now = { term: s.term, last: s.log.lastIndex, lastTerm: s.log.lastTerm, version: s.log.version };
      seen[i] = now;
      if (prev === undefined || prev.term !== s.term) return null;
      if (now.last < prev.last || now.version !== prev.version || (prev.last > s.log.base && s.log.term(prev.last) !== prev.lastTerm)) {
        return `leader ${ctx.nodes[i]} of term ${s.term} rewrote its log: it held ${prev.last} entries (last term ${prev.lastTerm}), now ${now.last} (version ${prev.version} -> ${now.version})`;
      }
      return null;
    };
  },
};

/**
 * If two logs contain an entry with the same index and term, the logs are identical up to that index. Checked
 * incrementally: every (index, term) ever held anywhere must always denote the same entry with the same predecessor
 * term, which by induction is the Log Matching property.
 */
const logMatching: Invariant<RaftState> = {
  name: "log-matching",
  description: "If two logs contain an entry with the same index and term, the logs are identical in all entries up through that index.",
  create: () => {
    const known = new Map<string, string>();
    const checked: { upTo: number; version: number }[] = [];
    return (ctx: Ctx, i: number) => {
      const s = ctx.states[i];
      if (s === undefined) {
        checked[i] = { upTo: 0, version: -1 };
        return null;
      }
      const c = checked[i];
      const from = c !== undefined && c.version === s.log.version ? c.upTo + 1 : s.log.base + 1;
      for (let k = Math.max(from, s.log.base + 1); k <= s.log.lastIndex; k++) {
        const e = s.log.entry(k) as Entry;
        const key = `${k}:${e.term}`;
        const value = `${s.log.term(k - 1) ?? "?"}|${e.id}`;
        const had = known.get(key);
        if (had === undefined) known.set(key, value);
        else if (had !== value && !had.startsWith("?") && !value.startsWith("?")) {
          return `logs disagree at index ${k} term ${e.term}: ${ctx.nodes[i]} holds ${e.id} after term ${value.split("|")[0]}, another node held ${had.split("|")[1]} after term ${had.split("|")[0]}`;
        }
      }
      checked[i] = { upTo: s.log.lastIndex, version: s.log.version };
      return null;
    };
  },
};

/** Committed entries (as the checks saw them) by index. Shared by Leader Completeness. */
function recordCommitted(committed: Map<number, Entry>, s: RaftState): void {
  for (let k = Math.min(s.commit, s.log.lastIndex); k > s.log.base && !committed.has(k); k--) {
    committed.set(k, s.log.entry(k) as Entry);
  }
}

/** If an entry is committed in a term, it is in the log of every leader of a later term. */
const leaderCompleteness: Invariant<RaftState> = {
  name: "leader-completeness",
  description: "If a log entry is committed in a given term, it is present in the logs of the leaders of all higher terms.",
  create: () => {
    const committed = new Map<number, Entry>();
    const checkedLeaderTerm = new Map<string, number>();
    return (ctx: Ctx, i: number) => {
      const s = ctx.states[i];
      if (s === undefined) return null;
      recordCommitted(committed, s);
      if (s.role !== "leader") return null;
      const id = ctx.nodes[i] as string;
      if (checkedLeaderTerm.get(id) === s.term) return null;
      checkedLeaderTerm.set(id, s.term);
      for (const [k, e] of committed) {
        if (e.term >= s.term || k <= s.log.base) continue;
        const mine = s.log.entry(k);
        if (mine === undefined || mine.id !== e.id) {
          return `leader ${id} of term ${s.term} lacks committed entry ${k} (${e.id}, term ${e.term}); it holds ${mine === undefined ? "nothing" : `${mine.id} (term ${mine.term})`}`;
        }
      }
      return null;
    };
  },
};

/** No two nodes apply different commands at the same index. */
const stateMachineSafety: Invariant<RaftState> = {
  name: "state-machine-safety",
  description: "If a server has applied a log entry at a given index, no other server will ever apply a different log entry for that index.",
  create: () => {
    const appliedAt = new Map<number, { id: string; node: string }>();
    const checked: number[] = [];
    return (ctx: Ctx, i: number) => {
      const s = ctx.states[i];
      if (s === undefined) {
        checked[i] = 0;
        return null;
      }
      const from = Math.max((checked[i] ?? 0) + 1, s.log.base + 1);
      for (let k = from; k <= s.applied; k++) {
        const e = s.log.entry(k);
        if (e === undefined) continue;
        const had = appliedAt.get(k);
        if (had === undefined) appliedAt.set(k, { id: e.id, node: ctx.nodes[i] as string });
        else if (had.id !== e.id) return `${ctx.nodes[i]} applied ${e.id} at index ${k}, but ${had.node} applied ${had.id} there`;
      }
      checked[i] = s.applied;
      return null;
    };
  },
};

export const raftInvariants: Invariant<RaftState>[] = [electionSafety, leaderAppendOnly, logMatching, leaderCompleteness, stateMachineSafety];
