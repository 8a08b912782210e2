/** Planted bug variants: each is caught within 200 seeds by some scenario of scenarios/paxos-*.yaml (docs/paxos.md). */
export const paxosBugs: Record<string, string> = {
  "forget-promise":
    "Acceptors do not persist the promised ballot: after a restart an acceptor can accept a lower ballot than " +
    "one it promised, so two proposers can each get a value chosen in one slot.",
  "ignore-accepted":
    "A proposer with a client command of its own proposes it even when a promise reported an accepted value " +
    "for that slot, instead of adopting the value of the highest accepted ballot.",
  "non-unique-ballot":
    "Ballots leave out the proposer (round only), so two proposers can run the same ballot with different values.",
  "learn-from-minority":
    "Learners learn a value once a minority of acceptors (half of them, rounded down) accepted it.",
  "skip-gap-fill":
    "A new leader does not re-propose the accepted values of the unchosen slots it recovers in phase 1: it fills " +
    "every one of them with a no-op.",
};

export interface PaxosBugFlags {
  forgetPromise: boolean;
  ignoreAccepted: boolean;
  nonUniqueBallot: boolean;
  learnFromMinority: boolean;
  skipGapFill: boolean;
}

export function bugFlags(bugs: ReadonlySet<string>): PaxosBugFlags {
  return {
    forgetPromise: bugs.has("forget-promise"),
    ignoreAccepted: bugs.has("ignore-accepted"),
    nonUniqueBallot: bugs.has("non-unique-ballot"),
    learnFromMinority: bugs.has("learn-from-minority"),
    skipGapFill: bugs.has("skip-gap-fill"),
  };
}
