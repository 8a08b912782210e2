import type { RaftState, RaftView } from "./state.ts";

export function raftView(s: RaftState): RaftView {
  const role = s.damaged ? `${s.role} (damaged)` : s.role;
  const v = s.lastView;
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
    v.voters === s.voters.length
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
  };
  s.lastView = view;
  return view;
}
