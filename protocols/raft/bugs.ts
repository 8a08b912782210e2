/** Planted bug variants: each must be caught by the checks within 1,000 seeds of some scenario in scenarios/. */
export const raftBugs: Record<string, string> = {
  "commit-old-term":
    "The leader commits an entry of an earlier term by counting replicas (Raft paper, Figure 8): a " +
    "committed entry can then be overwritten.",
  "forget-vote": "votedFor is not persisted: after a restart a node can vote twice in one term, electing two leaders.",
  "no-prev-log-check":
    "Followers append entries without checking prevLogIndex/prevLogTerm: logs diverge under message loss " +
    "and leader changes.",
  "no-step-down": "A leader that sees a higher term adopts it but stays leader, so two leaders can share a term.",
  "damaged-snapshot-stalls":
    "A leader whose snapshot fails its checksum sends nothing to a follower that needs it (no InstallSnapshot, " +
    "no heartbeat): the follower is stranded at its old commit index while every safety check passes.",
  "lease-without-clock-bound":
    "Lease reads (reads: lease) hold the lease for a full electionMinMicros after the confirming heartbeat, " +
    "ignoring leaseClockBoundMicros: a leader whose clock runs slow or jumps back answers reads after another " +
    "leader has committed newer writes.",
};
