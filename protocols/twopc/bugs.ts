/** Planted bug variants: each must be caught by the checks within 1,000 seeds of some scenario in scenarios/. */
export const twoPcBugs: Record<string, string> = {
  "commit-on-timeout":
    "When the vote timeout fires, the coordinator commits unless it saw a no vote, taking missing votes as " +
    "yes: a participant that never prepared is committed.",
  "decision-not-logged":
    "The coordinator sends a commit (and answers the client) before its decision is durable: the log is " +
    "flushed by a group commit 20ms later, and a crash in between makes the recovered coordinator presume " +
    "abort.",
  "participant-abort-after-yes":
    "A prepared participant whose decision timeout fires aborts unilaterally instead of asking the " +
    "coordinator, although it voted yes.",
};
