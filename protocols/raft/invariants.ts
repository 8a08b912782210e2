import type { Invariant, InvariantContext } from "../../sim/core/protocol.ts";
import type { RaftOptions } from "./options.ts";
import type { RaftState } from "./state.ts";

type Ctx = InvariantContext<RaftState>;

const PAGE_BITS = 12;
const PAGE_MASK = (1 << PAGE_BITS) - 1;

/**
 * What the checks remember per log index, for every index of the run. Kept in pages of 4,096 slots: a flat array
 * indexed by log index grows by copying itself into fresh memory, and at 1,000 entries a second seven of them cost
 * more than the checks themselves.
 */
class ByIndex<T> {
  private readonly pages: (T | undefined)[][] = [];
  /** One past the highest index set. */
  end = 0;

  get(k: number): T | undefined {
    const page = this.pages[k >>> PAGE_BITS];
    return page === undefined ? undefined : page[k & PAGE_MASK];
  }

  set(k: number, v: T): void {
    let page = this.pages[k >>> PAGE_BITS];
    if (page === undefined) {
      page = new Array<T | undefined>(PAGE_MASK + 1).fill(undefined);
      this.pages[k >>> PAGE_BITS] = page;
    }
    page[k & PAGE_MASK] = v;
    if (k >= this.end) this.end = k + 1;
  }
}

/*
 * Incarnation: the engine runs the checks only after a step of a node that is up (never while it is down), so a check
 * cannot count on seeing a crashed node as undefined. A restart builds a new state object (create), which is how the
 * checks with per-node cursors tell a new incarnation, whose log and applied entries must be checked from the start.
 */

/** At most one leader per term, ever. */
const electionSafety: Invariant<RaftState> = {
  name: "election-safety",
  description: "At most one leader can be elected in a given term (Raft paper, Figure 3).",
  create: () => {
    const leaderOf = new Map<number, string>();
    /**
     * Per node, the term in which it was last seen leading (and recorded as that term's leader): nothing to look up.
     */
    const seenLeading: number[] = [];
    return (ctx: Ctx, i: number) => {
      const s = ctx.states[i];
      if (s === undefined || s.role !== "leader" || seenLeading[i] === s.term) return null;
      const id = ctx.nodes[i] as string;
      const seen = leaderOf.get(s.term);
      if (seen === undefined) leaderOf.set(s.term, id);
      else if (seen !== id) return `two leaders in term ${s.term}: ${seen} and ${id}`;
      seenLeading[i] = s.term;
      return null;
    };
  },
};

/** A leader never overwrites or deletes entries in its log; it only appends. */
const leaderAppendOnly: Invariant<RaftState> = {
  name: "leader-append-only",
  description: "A leader never overwrites or deletes entries in its log; it only appends new entries.",
  create: () => {
    // Per node, what its log looked like at its last step as leader (term -1: not a leader then). Numbers, not
    // objects: this runs after every step of every node.
    const term: number[] = [];
    const last: number[] = [];
    const lastTerm: number[] = [];
    const version: number[] = [];
    return (ctx: Ctx, i: number) => {
      const s = ctx.states[i];
      if (s === undefined || s.role !== "leader") {
        term[i] = -1;
        return null;
      }
      const prevTerm = term[i] ?? -1;
      const prevLast = last[i] as number;
      const prevLastTerm = lastTerm[i] as number;
      const prevVersion = version[i] as number;
      term[i] = s.term;
      last[i] = s.log.lastIndex;
      lastTerm[i] = s.log.lastTerm;
      version[i] = s.log.version;
      if (prevTerm !== s.term) return null;
      if (
        s.log.lastIndex < prevLast ||
        s.log.version !== prevVersion ||
        (prevLast > s.log.base && s.log.term(prevLast) !== prevLastTerm)
      ) {
        return (
          `leader ${ctx.nodes[i]} of term ${s.term} rewrote its log: it held ${prevLast} entries (last term ` +
          `${prevLastTerm}), now ${s.log.lastIndex} (version ${prevVersion} -> ${s.log.version})`
        );
      }
      return null;
    };
  },
};

/**
 * If two logs contain an entry with the same index and term, the logs are identical up to that index. Checked
 * incrementally: every (index, term) ever held anywhere must always denote the same entry with the same predecessor
 * term, which by induction is the Log Matching property. The first term seen at an index is kept by index (no
 * allocation per entry); other terms at the same index, which only elections with divergent logs produce, in a map.
 */
const logMatching: Invariant<RaftState> = {
  name: "log-matching",
  description:
    "If two logs contain an entry with the same index and term, the logs are identical in all entries up " +
    "through that index.",
  create: () => {
    const firstTerm = new ByIndex<number>();
    /** Predecessor term of the entry, or -1 when it was not known (the predecessor was compacted away). */
    const firstPrev = new ByIndex<number>();
    const firstId = new ByIndex<string>();
    const others = new Map<string, { prev: number; id: string }>();
    const checkedUpTo: number[] = [];
    const checkedVersion: number[] = [];
    /** Per node, the state the cursor belongs to: a restart is a new state (see incarnation). */
    const checkedState: (RaftState | undefined)[] = [];
    const describe = (prev: number) => (prev < 0 ? "?" : String(prev));
    return (ctx: Ctx, i: number) => {
      const s = ctx.states[i];
      if (s === undefined || checkedState[i] !== s) {
        checkedVersion[i] = -1;
        checkedState[i] = s;
        if (s === undefined) return null;
      }
      const log = s.log;
      // From below the base too when this step compacted entries away (the checks have not seen them yet).
      const floor = log.checkFloor;
      const from = Math.max(checkedVersion[i] === log.version ? (checkedUpTo[i] as number) + 1 : floor + 1, floor + 1);
      // The predecessor's term: read from the log once, then carried along (it is the term of the entry just checked).
      let prev = log.term(from - 1) ?? log.entryForChecks(from - 1)?.term ?? -1;
      for (let k = from; k <= log.lastIndex; k++) {
        const e = log.entryForChecks(k);
        if (e === undefined) {
          prev = -1;
          continue;
        }
        const t = firstTerm.get(k);
        if (t === undefined) {
          firstTerm.set(k, e.term);
          firstPrev.set(k, prev);
          firstId.set(k, e.id);
        } else {
          // What was first recorded for (k, e.term): -1 when this is the first time (k, e.term) is seen.
          let hadPrev = -1;
          let hadId = "";
          if (t === e.term) {
            hadPrev = firstPrev.get(k) as number;
            hadId = firstId.get(k) as string;
          } else {
            const key = `${k}:${e.term}`;
            const had = others.get(key);
            if (had === undefined) others.set(key, { prev, id: e.id });
            else {
              hadPrev = had.prev;
              hadId = had.id;
            }
          }
          if (hadPrev >= 0 && prev >= 0 && (hadPrev !== prev || hadId !== e.id)) {
            return (
              `logs disagree at index ${k} term ${e.term}: ${ctx.nodes[i]} holds ${e.id} after term ` +
              `${describe(prev)}, another node held ${hadId} after term ${describe(hadPrev)}`
            );
          }
        }
        prev = e.term;
      }
      checkedUpTo[i] = log.lastIndex;
      checkedVersion[i] = log.version;
      return null;
    };
  },
};

/**
 * Committed entries (as the checks saw them): id and term by index. Ids and terms, not the entries, so the check does
 * not keep every entry of the run alive after the logs compacted it away.
 */
class Committed {
  readonly id = new ByIndex<string>();
  readonly term = new ByIndex<number>();

  record(s: RaftState): void {
    const log = s.log;
    // Down to below the base when this step compacted entries away (applied and compacted in one step).
    for (
      let k = Math.min(s.commit, log.lastIndex), floor = log.checkFloor;
      k > floor && this.id.get(k) === undefined;
      k--
    ) {
      const e = log.entryForChecks(k);
      if (e === undefined) continue;
      this.id.set(k, e.id);
      this.term.set(k, e.term);
    }
  }
}

/** If an entry is committed in a term, it is in the log of every leader of a later term. */
const leaderCompleteness: Invariant<RaftState> = {
  name: "leader-completeness",
  description:
    "If a log entry is committed in a given term, it is present in the logs of the leaders of all higher terms.",
  create: () => {
    const committed = new Committed();
    /** Per node, the term in which it was last checked as leader. */
    const checkedLeaderTerm: number[] = [];
    return (ctx: Ctx, i: number) => {
      const s = ctx.states[i];
      if (s === undefined) return null;
      committed.record(s);
      if (s.role !== "leader" || checkedLeaderTerm[i] === s.term) return null;
      checkedLeaderTerm[i] = s.term;
      for (let k = s.log.base + 1; k < committed.id.end; k++) {
        const id = committed.id.get(k);
        const term = committed.term.get(k) as number;
        if (id === undefined || term >= s.term) continue;
        const mine = s.log.entry(k);
        if (mine === undefined || mine.id !== id) {
          return (
            `leader ${ctx.nodes[i]} of term ${s.term} lacks committed entry ${k} (${id}, term ${term}); it ` +
            `holds ${mine === undefined ? "nothing" : `${mine.id} (term ${mine.term})`}`
          );
        }
      }
      return null;
    };
  },
};

/** No two nodes apply different commands at the same index. */
const stateMachineSafety: Invariant<RaftState> = {
  name: "state-machine-safety",
  description:
    "If a server has applied a log entry at a given index, no other server will ever apply a different log " +
    "entry for that index.",
  create: () => {
    const appliedId = new ByIndex<string>();
    const appliedBy = new ByIndex<number>();
    const checked: number[] = [];
    /** Per node, the state the cursor belongs to: a restart is a new state (see incarnation). */
    const checkedState: (RaftState | undefined)[] = [];
    return (ctx: Ctx, i: number) => {
      const s = ctx.states[i];
      if (s === undefined || checkedState[i] !== s) {
        checked[i] = 0;
        checkedState[i] = s;
        if (s === undefined) return null;
      }
      const from = Math.max((checked[i] ?? 0) + 1, s.log.checkFloor + 1);
      for (let k = from; k <= s.applied; k++) {
        const e = s.log.entryForChecks(k);
        if (e === undefined) continue;
        const had = appliedId.get(k);
        if (had === undefined) {
          appliedId.set(k, e.id);
          appliedBy.set(k, i);
        } else if (had !== e.id)
          return (
            `${ctx.nodes[i]} applied ${e.id} at index ${k}, but ${ctx.nodes[appliedBy.get(k) as number]} ` +
            `applied ${had} there`
          );
      }
      checked[i] = s.applied;
      return null;
    };
  },
};

export const raftInvariants: Invariant<RaftState, RaftOptions>[] = [
  electionSafety,
  leaderAppendOnly,
  logMatching,
  leaderCompleteness,
  stateMachineSafety,
];
