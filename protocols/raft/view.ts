import { assert } from "../../sim/core/assert.ts";
import type { RaftLog } from "./log.ts";
import type { RaftState, RaftView } from "./state.ts";

/** The view keeps the last this many runs of terms: a view is written on every change, so it stays small. */
export const MAX_TERM_RUNS = 32;

/** Term runs per log, rebuilt only when the log changed: entries up to lastIndex are fixed while `version` is. */
const runsCache = new WeakMap<
  RaftLog,
  { version: number; last: number; base: number; runs: readonly (readonly [number, number])[] }
>();

function termRuns(log: RaftLog): readonly (readonly [number, number])[] {
  assert(log.lastIndex >= log.base, () => `log ends at ${log.lastIndex}, before its snapshot index ${log.base}`);
  const c = runsCache.get(log);
  if (c !== undefined && c.version === log.version && c.base === log.base) {
    if (c.last === log.lastIndex) return c.runs;
    // Grown at the end only (no entry removed since): extend the runs by the new entries, O(new entries). A log
    // that only grew within its last term keeps the same runs object, so the view does not change for it.
    let runs = c.runs;
    for (let i = c.last + 1; i <= log.lastIndex; i++) {
      const t = log.term(i) as number;
      const lastRun = runs[runs.length - 1];
      if (lastRun === undefined || lastRun[1] !== t) {
        if (runs === c.runs) runs = [...c.runs];
        (runs as (readonly [number, number])[]).push([i, t]);
      }
    }
    if (runs.length > MAX_TERM_RUNS) runs = runs.slice(runs.length - MAX_TERM_RUNS);
    runsCache.set(log, { version: log.version, last: log.lastIndex, base: log.base, runs });
    return runs;
  }
  const runs: (readonly [number, number])[] = [];
  for (let i = log.lastIndex; i > log.base && runs.length < MAX_TERM_RUNS; ) {
    const first = log.firstIndexOfTerm(i);
    runs.push([first, log.term(i) as number]);
    i = first - 1;
  }
  runs.reverse();
  assert(runs.length <= MAX_TERM_RUNS, () => `${runs.length} term runs, at most ${MAX_TERM_RUNS}`);
  runsCache.set(log, { version: log.version, last: log.lastIndex, base: log.base, runs });
  return runs;
}

/** How many followers each progress object holds (its own keys, without counting them again). */
const progressSize = new WeakMap<Readonly<Record<string, number>>, number>();

/** A leader's progress map as a plain object in follower-id order; the previous object while nothing changed. */
function progress(
  m: ReadonlyMap<string, number>,
  prev: Readonly<Record<string, number>> | undefined,
): Readonly<Record<string, number>> {
  assert(m.size <= 1000, () => `a progress map of ${m.size} followers (at most 1,000 nodes)`);
  // Unchanged (the common case, once per step of a leader): answered without allocating.
  if (prev !== undefined && progressSize.get(prev) === m.size) {
    let same = true;
    for (const [k, v] of m)
      if (prev[k] !== v) {
        same = false;
        break;
      }
    if (same) return prev;
  }
  const keys = [...m.keys()].sort();
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = m.get(k) as number;
  assert(
    keys.every((k) => (out[k] as number) >= 0),
    () => `a follower's progress below 0: ${JSON.stringify(out)}`,
  );
  progressSize.set(out, keys.length);
  return out;
}

export function raftView(s: RaftState): RaftView {
  assert(
    s.bug.planted || s.commit <= s.log.lastIndex,
    () => `${s.id}: commit ${s.commit} past its log's end ${s.log.lastIndex}`,
  );
  const role = s.damaged ? `${s.role} (damaged)` : s.role;
  const v = s.lastView;
  const logTerms = termRuns(s.log);
  const leads = s.role === "leader";
  const match = leads ? progress(s.match, v?.match) : undefined;
  const next = leads ? progress(s.next, v?.next) : undefined;
  if (
    v !== undefined &&
    v.role === role &&
    v.term === s.term &&
    v.votedFor === s.votedFor &&
    v.leader === s.leader &&
    v.commitIndex === s.commit &&
    v.lastApplied === s.applied &&
    v.logLength === s.log.lastIndex &&
    v.snapshotIndex === s.log.base &&
    v.voters === s.voters.length &&
    v.logTerms === logTerms &&
    v.match === match &&
    v.next === next
  ) {
    return v;
  }
  const view: RaftView = {
    role,
    term: s.term,
    votedFor: s.votedFor,
    leader: s.leader,
    commitIndex: s.commit,
    lastApplied: s.applied,
    logLength: s.log.lastIndex,
    snapshotIndex: s.log.base,
    voters: s.voters.length,
    logTerms,
  };
  if (match !== undefined) view.match = match;
  if (next !== undefined) view.next = next;
  assert(leads === (view.match !== undefined), () => `${s.id}: a ${s.role}'s view with${leads ? "out" : ""} match`);
  s.lastView = view;
  return view;
}
