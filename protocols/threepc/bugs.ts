/** Planted bug variants: each must be caught by the checks within 1,000 seeds of some scenario in scenarios/. */
export const threePcBugs: Record<string, string> = {
  "skip-precommit":
    "The coordinator commits as soon as every vote is yes, sending precommit and commit together: 3PC " +
    "degenerates to 2PC, and a node commits while others are still uncertain.",
  "independent-recovery":
    "A participant that restarts with an undecided transaction decides it from its own log (precommitted ->" +
    " commit, uncertain -> abort) instead of asking the others: while it was down, the others may have " +
    "decided the opposite.",
};
