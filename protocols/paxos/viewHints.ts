import type { ViewHints } from "../../sim/core/viewHints.ts";

/**
 * What the viewer needs to draw Paxos without knowing it, as plain data in the shape of the view-hints seam being
 * generalised on the viewer's branch (sim/core/viewHints.ts there): lanes tinted by the round of the highest ballot a
 * node knows (`term`), the leader's bar, and per invariant a pattern naming the node, slot (`index`), round (`epoch`)
 * and second node of a violation.
 */
export const PAXOS_VIEW_HINTS: ViewHints = {
  epoch: "term",
  leaderRole: "leader",
  log: { terms: "logTerms", length: "logLength", commit: "commitIndex" },
  evidence: [
    {
      check: "paxos.agreement",
      pattern:
        "^slot (?<index>\\d+): (?<other>\\S+) learned (?<value>\\S+) .*? from (?<senders>[\\w,-]+), " +
        "but (?<node>\\S+) learned (?<value2>\\S+) .* at ballot (?<epoch>\\d+)\\.\\S*(?: from (?<senders2>[\\w,-]+))?",
      messages: {
        type: "accepted",
        start: "start",
        items: "values",
        itemId: "id",
        verb: "accepted",
        show: "ballot",
        values: [
          { id: "value", senders: "senders", to: "other" },
          { id: "value2", senders: "senders2", to: "node" },
        ],
      },
    },
    {
      check: "paxos.learned-stability",
      pattern: "^(?<node>\\S+) learned .* for slot (?<index>\\d+) at ballot (?<epoch>\\d+)\\.",
    },
    { check: "paxos.promise-monotonic", pattern: "^acceptor (?<node>\\S+) promised ballot (?<epoch>\\d+)\\." },
    { check: "paxos.validity", pattern: "^(?<node>\\S+) learned .* for slot (?<index>\\d+), which nobody proposed" },
  ],
};
