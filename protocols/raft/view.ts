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
  if (c !== undefined && c.version === log.version && c.last === log.lastIndex && c.base === log.base) return c.runs;
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

/** A leader's progress map as a plain object in follower-id order; the previous object while nothing changed. */
function progress(
  m: ReadonlyMap<string, number>,
  prev: Readonly<Record<string, number>> | undefined,
): Readonly<Record<string, number>> {
  const keys = [...m.keys()].sort();
  if (prev !== undefined && Object.keys(prev).length === keys.length && keys.every((k) => prev[k] === m.get(k)))
    return prev;
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = m.get(k) as number;
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
