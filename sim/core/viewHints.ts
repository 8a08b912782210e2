/**
 * How a viewer can draw a protocol's node views without knowing the protocol: which fields of view() mean what.
 * A protocol declares them (`Protocol.viewHints`); the engine writes them into the trace header. All fields are
 * names of view fields or of message types and fields, so the hints are plain data.
 */
export interface ViewHints {
  /** View field holding a number that orders leaderships (Raft's term): lanes are tinted by it. */
  epoch?: string;
  /** The value of the view's `role` that marks a leader: drawn as a bar along its lane. */
  leaderRole?: string;
  /** A replicated log: drawn as entries coloured by epoch, with the commit index and each follower's progress. */
  log?: LogHint;
  /** Items a node works on (transactions): the view field naming the item it last touched and its state there. */
  items?: ItemsHint;
  /** Messages belonging to a transaction, grouped on the diagram from its first `start` message to its decision. */
  transactions?: TransactionsHint;
  /** Per invariant, a pattern over its message naming what the violation is about (see EvidenceHint). */
  evidence?: EvidenceHint[];
}

export interface LogHint {
  /** Field with the log's entry terms as runs, [[firstIndex, term], ...] in index order, ending at `length`. */
  terms: string;
  /** Field with the index of the last entry. */
  length: string;
  /** Field with the commit index. */
  commit: string;
  /** A leader's field: per follower, the highest index known to be replicated there. */
  match?: string;
  /** A leader's field: per follower, the next index to send. */
  next?: string;
}

export interface ItemsHint {
  /** What an item is called ("transaction"). */
  label: string;
  /** View field naming the item the node last worked on. */
  id: string;
  /** View field with that item's state at the node. */
  state: string;
}

export interface TransactionsHint {
  /** Message field holding the transaction id. */
  id: string;
  /** Type of the message that starts a transaction (names its participants in `participants`, its op in `op`). */
  start: string;
  /** Type of a vote message, and its field holding "yes" or "no". */
  vote: string;
  voteField: string;
  /** Text of the note a node writes when it decides (data: txn, decision, reason, recovery). */
  decideNote: string;
}

/**
 * A regular expression over an invariant's message. Its named groups say what the violation is about: `node` (the
 * node that broke it), `epoch` (its term), `index` (the log index or item involved), `other` (a second node).
 */
export interface EvidenceHint {
  check: string;
  pattern: string;
  /** The messages that decided each value the violation names (e.g. the votes that chose two conflicting values). */
  messages?: EvidenceMessagesHint;
}

/**
 * Messages of `type` carrying a run of items, `items[k]` for index `start + k`, that hold the item at group `index`.
 * Per value the violation names, the groups of its item's name (matched against the item's field `itemId`), of the
 * comma-separated senders and of the receiving node: the explanation lists those messages, sent and delivered.
 */
export interface EvidenceMessagesHint {
  type: string;
  start: string;
  items: string;
  itemId: string;
  /** What sending one means, in the explanation's lines ("accepted": "n2 accepted r7 (entry 5) ..."). */
  verb: string;
  /** Payload field shown with each message (the ballot), if any. */
  show?: string;
  values: { id: string; senders?: string; to?: string }[];
}
