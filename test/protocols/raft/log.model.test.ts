import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RaftLog } from "../../../protocols/raft/log.ts";
import type { Entry } from "../../../protocols/raft/messages.ts";

/**
 * The model: every entry ever held at each index (1-based, entries[i - 1]), the snapshot point (`base`, `baseTerm`)
 * and the entries the compactions of the current step dropped. A plain array, no reuse of slots.
 */
interface Model {
  entries: Entry[];
  base: number;
  baseTerm: number;
  /** Indices dropped by compaction since the last forgetDropped, when contiguous with base. */
  dropped: { from: number; entries: Entry[] };
}

let nextId = 0;
function entry(term: number): Entry {
  return Object.freeze({ term, id: `e${++nextId}`, cmd: { type: "noop" } }) as unknown as Entry;
}

function lastIndex(m: Model): number {
  return m.entries.length;
}

function lastTerm(m: Model): number {
  return m.entries.length > m.base ? (m.entries[m.entries.length - 1] as Entry).term : m.baseTerm;
}

/** Compare everything the log answers with the model. */
function agree(m: Model, log: RaftLog): void {
  expect(log.lastIndex).toBe(lastIndex(m));
  expect(log.lastTerm).toBe(lastTerm(m));
  expect(log.base).toBe(m.base);
  for (let i = 0; i <= lastIndex(m) + 1; i++) {
    const held = i > m.base && i <= lastIndex(m);
    expect(log.entry(i)).toBe(held ? m.entries[i - 1] : undefined);
    const term = i === m.base ? m.baseTerm : held ? (m.entries[i - 1] as Entry).term : undefined;
    expect(log.term(i)).toBe(term);
    const dropped = i >= m.dropped.from && i < m.dropped.from + m.dropped.entries.length;
    expect(log.entryForChecks(i)).toBe(
      held ? m.entries[i - 1] : dropped ? m.dropped.entries[i - m.dropped.from] : undefined,
    );
  }
}

type Cmd = fc.Command<Model, RaftLog>;

class Append implements Cmd {
  constructor(readonly termStep: number) {}
  check(): boolean {
    return true;
  }
  run(m: Model, log: RaftLog): void {
    // Raft entries carry a term >= 1 (term 0 is only the empty log's sentinel at index 0).
    const e = entry(Math.max(1, lastTerm(m) + this.termStep));
    m.entries.push(e);
    expect(log.append(e)).toBe(lastIndex(m));
    agree(m, log);
  }
  toString(): string {
    return `append(+${this.termStep})`;
  }
}

class Truncate implements Cmd {
  constructor(readonly back: number) {}
  check(m: Model): boolean {
    return lastIndex(m) - this.back > m.base;
  }
  run(m: Model, log: RaftLog): void {
    const from = lastIndex(m) - this.back;
    const version = log.version;
    m.entries.length = from - 1;
    log.truncateFrom(from);
    expect(log.version).toBeGreaterThan(version);
    agree(m, log);
  }
  toString(): string {
    return `truncateFrom(last - ${this.back})`;
  }
}

class Compact implements Cmd {
  constructor(readonly upTo: number) {}
  check(m: Model): boolean {
    return lastIndex(m) > m.base;
  }
  run(m: Model, log: RaftLog): void {
    const index = m.base + 1 + (this.upTo % (lastIndex(m) - m.base));
    const term = (m.entries[index - 1] as Entry).term;
    if (m.dropped.entries.length === 0 || m.dropped.from + m.dropped.entries.length !== m.base + 1)
      m.dropped = { from: m.base + 1, entries: [] };
    m.dropped.entries.push(...m.entries.slice(m.base, index));
    m.base = index;
    m.baseTerm = term;
    log.compact(index, term);
    agree(m, log);
  }
  toString(): string {
    return `compact(${this.upTo})`;
  }
}

class Forget implements Cmd {
  check(): boolean {
    return true;
  }
  run(m: Model, log: RaftLog): void {
    m.dropped = { from: 0, entries: [] };
    log.forgetDropped();
    agree(m, log);
  }
  toString(): string {
    return "forgetDropped()";
  }
}

class Slice implements Cmd {
  constructor(
    readonly from: number,
    readonly length: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, log: RaftLog): void {
    const from = this.from;
    const to = from + this.length;
    const want = m.entries.slice(Math.max(from, m.base + 1) - 1, Math.min(to, lastIndex(m)));
    const got = log.frozenSlice(from, to);
    expect([...got]).toEqual(want);
    expect(Object.isFrozen(got)).toBe(true);
    // The first index of a term's run: walk back over held entries of the same term.
    if (from > m.base && from <= lastIndex(m)) {
      let j = from;
      while (j - 1 > m.base && (m.entries[j - 2] as Entry).term === (m.entries[from - 1] as Entry).term) j--;
      expect(log.firstIndexOfTerm(from)).toBe(j);
    }
  }
  toString(): string {
    return `frozenSlice(${this.from}, +${this.length}) and firstIndexOfTerm`;
  }
}

const commands = fc.commands(
  [
    fc.integer({ min: 0, max: 2 }).map((k) => new Append(k)),
    fc.integer({ min: 0, max: 4 }).map((k) => new Truncate(k)),
    fc.nat({ max: 10 }).map((k) => new Compact(k)),
    fc.constant(new Forget()),
    fc.tuple(fc.integer({ min: 0, max: 20 }), fc.nat({ max: 6 })).map(([f, n]) => new Slice(f, n)),
  ],
  { maxCommands: 60 },
);

function property(make: () => RaftLog) {
  return fc.property(commands, (cmds) => {
    const model = (): Model => ({ entries: [], base: 0, baseTerm: 0, dropped: { from: 0, entries: [] } });
    const setup = () => ({ model: model(), real: make() });
    fc.modelRun(setup, cmds);
  });
}

describe("the Raft log against an array model", () => {
  it(
    "answers lastIndex, lastTerm, term, entry, slices and checks' entries as the array does, under any " +
      "sequence of appends, truncations and compactions",
    () => {
      fc.assert(
        property(() => new RaftLog()),
        { numRuns: 300 },
      );
    },
  );

  it("catches a planted bug: a compaction that keeps one entry too many", () => {
    class Buggy extends RaftLog {
      override compact(index: number, term: number): void {
        super.compact(index - 1, index - 1 === this.base ? this.baseTerm : (this.term(index - 1) ?? term));
        this.base = index;
        this.baseTerm = term;
      }
    }
    const r = fc.check(
      property(() => new Buggy()),
      { numRuns: 300, seed: 5 },
    );
    expect(r.failed).toBe(true);
  });
});
