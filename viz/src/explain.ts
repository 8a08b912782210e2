/**
 * A violation's explanation: the events its evidence names, found through the trace's view hints (the viewer names
 * no protocol). An evidence hint's pattern reads the node, epoch and log index out of the invariant's message; from
 * them, through the log and leader hints:
 * - where the entry was committed (the first leader commit reaching the index, with the acks that made it);
 * - the election that made the violating node leader (its first view as leader of that epoch);
 * - the violating node's log at the violation (what it holds at the index, if anything).
 * The cone of the first two (not of the whole state at the violation) is what the viewer highlights.
 * With a messages hint, it lists instead, per value the violation names, the messages that decided it (for Paxos, the
 * accepted messages of each majority delivered to the learner), read from their payloads.
 */
import { numberField, runsField } from "./hints.ts";
import type { Marker, Model } from "./model.ts";
import { viewAt } from "./model.ts";
import type { EvidenceMessagesHint } from "../../sim/core/viewHints.ts";
import type { Evidence } from "./prim.ts";
import { opTitle } from "./layers.ts";

export interface Explanation {
  /** The named groups the pattern matched (node, epoch, index, other). */
  about: Record<string, string>;
  /** Events the evidence names, in time order. */
  evidence: Evidence[];
  /** Lines that say what the evidence shows, for the list under the violation. */
  notes: string[];
}

/** The check and message of a violation marker ("check: message"). */
function split(v: Marker): { check: string; message: string } {
  const at = v.text.indexOf(": ");
  return at < 0 ? { check: v.text, message: "" } : { check: v.text.slice(0, at), message: v.text.slice(at + 2) };
}

function termAt(m: Model, lane: number, t: number, index: number): number | undefined {
  const v = viewAt(m, lane, t)?.v;
  const h = m.hints.log;
  if (v === undefined || h === undefined) return undefined;
  const length = numberField(v, h.length) ?? 0;
  if (index > length) return undefined;
  let found: number | undefined;
  for (const [first, term] of runsField(v, h.terms) ?? []) if (first <= index) found = term;
  return found;
}

/**
 * The explanation of violation v, or null when it names no ops and no evidence hint matches its message. Times are
 * the model's (simulated time); each item names its trace event, so the logical layout can place it (logicalTime.ts).
 */
export function explain(m: Model, v: Marker): Explanation | null {
  if (v.ops !== undefined && v.ops.length > 0)
    return counterexample(m, v.ops, /\. Minimal counterexample/.test(v.text));
  const { check, message } = split(v);
  const hint = (m.hints.evidence ?? []).find((e) => e.check === check);
  if (hint === undefined) return null;
  const match = new RegExp(hint.pattern).exec(message);
  if (match === null) return null;
  const about: Record<string, string> = { ...(match.groups ?? {}) };
  const lane = about.node === undefined ? -1 : m.lanes.findIndex((l) => l.id === about.node);
  const epoch = about.epoch === undefined ? null : Number(about.epoch);
  const index = about.index === undefined ? null : Number(about.index);
  const evidence: Evidence[] = [];
  const notes: string[] = [];
  const name = (l: number) => m.lanes[l]?.id ?? "?";
  if (hint.messages !== undefined && index !== null) {
    deciders(m, v.t, hint.messages, about, index, evidence, notes);
    evidence.sort((a, b) => a.t - b.t);
    return { about, evidence, notes };
  }
  if (index !== null) {
    const c = m.commits.find((x) => x.index >= index && x.t <= v.t);
    if (c !== undefined) {
      const term = termAt(m, c.lane, c.t, index);
      const epochThen = numberField(viewAt(m, c.lane, c.t)?.v ?? {}, m.hints.epoch);
      const acks = c.acks.map((k) => name(m.msgFrom[k] as number));
      evidence.push({
        lane: c.lane,
        t: c.t,
        event: c.event,
        label:
          `${name(c.lane)} committed entry ${index}${term !== undefined ? ` (term ${term})` : ""}` +
          `${epochThen !== null ? ` as leader of term ${epochThen}` : ""}, acks from ${acks.join(", ") || "none"}`,
      });
      for (const k of c.acks)
        evidence.push({
          lane: m.msgFrom[k] as number,
          t: m.msgT0[k] as number,
          event: m.msgEvent[k] as number,
          label: `${name(m.msgFrom[k] as number)} acknowledged it to ${name(c.lane)}`,
        });
    } else notes.push(`no leader's commit reaching entry ${index} is in the trace before the violation`);
  }
  if (lane >= 0 && epoch !== null && m.hints.leaderRole !== undefined) {
    const won = (m.states[lane] ?? []).find(
      (s) => s.t <= v.t && s.v.role === m.hints.leaderRole && numberField(s.v, m.hints.epoch) === epoch,
    );
    if (won !== undefined) {
      // The win is checked the moment it happens, so its cone is everything the node knew: the cone is instead that
      // of the messages it received while it stood for the epoch (the votes that elected it).
      evidence.push({
        lane,
        t: won.t,
        event: won.event,
        label: `${name(lane)} elected leader of term ${epoch}`,
        cone: false,
      });
      const began =
        (m.states[lane] ?? []).find((s) => s.t <= won.t && numberField(s.v, m.hints.epoch) === epoch)?.t ?? won.t;
      for (let k = 0; k < m.msgCount; k++) {
        const t1 = m.msgT1[k] as number;
        if (m.msgTo[k] !== lane || m.msgStatus[k] !== 0 || t1 < began || t1 > won.t) continue;
        const from = m.msgFrom[k] as number;
        evidence.push({
          lane: from,
          t: m.msgT0[k] as number,
          event: m.msgEvent[k] as number,
          label: `${name(from)} sent ${m.types[m.msgType[k] as number]} to ${name(lane)} during its election`,
        });
      }
    }
  }
  if (lane >= 0 && index !== null) {
    const held = termAt(m, lane, v.t, index);
    notes.push(
      `${name(lane)}'s log at entry ${index} when it was checked: ` +
        `${held === undefined ? "nothing" : `an entry of term ${held}`}`,
    );
  }
  evidence.sort((a, b) => a.t - b.t);
  return { about, evidence, notes };
}

/** The messages that decided each value at `index` (see EvidenceMessagesHint), sent and delivered before time t. */
function deciders(
  m: Model,
  t: number,
  h: EvidenceMessagesHint,
  about: Record<string, string>,
  index: number,
  evidence: Evidence[],
  notes: string[],
): void {
  const type = m.types.indexOf(h.type);
  const name = (l: number) => m.lanes[l]?.id ?? "?";
  for (const val of h.values) {
    const id = about[val.id];
    if (id === undefined) continue;
    const senders = val.senders === undefined ? undefined : about[val.senders]?.split(",");
    const to = val.to === undefined ? undefined : about[val.to];
    const seen = new Set<string>();
    for (let k = 0; k < m.msgCount && type >= 0; k++) {
      if (m.msgType[k] !== type || m.msgStatus[k] !== 0 || (m.msgT1[k] as number) > t) continue;
      const from = name(m.msgFrom[k] as number);
      const dest = name(m.msgTo[k] as number);
      if ((senders !== undefined && !senders.includes(from)) || (to !== undefined && dest !== to)) continue;
      const p = m.payloads?.get(k) as Record<string, unknown> | undefined;
      const start = p?.[h.start];
      const items = p?.[h.items];
      if (typeof start !== "number" || !Array.isArray(items)) continue;
      const item = items[index - start] as Record<string, unknown> | undefined;
      if (item === undefined || item === null || item[h.itemId] !== id) continue;
      const shown = h.show === undefined ? undefined : p?.[h.show];
      seen.add(from);
      evidence.push({
        lane: m.msgFrom[k] as number,
        t: m.msgT0[k] as number,
        event: m.msgEvent[k] as number,
        label:
          `${from} ${h.verb} ${id} (entry ${index})${shown !== undefined ? ` at ${h.show} ${String(shown)}` : ""}` +
          `, delivered to ${dest}`,
      });
    }
    if (seen.size === 0)
      notes.push(`no ${h.type} message for ${id} at entry ${index} is in the trace before the violation`);
    const local = (senders ?? []).filter((s) => !seen.has(s) && s === to);
    const missing = (senders ?? []).filter((s) => !seen.has(s) && s !== to);
    if (local.length > 0) notes.push(`${local.join(", ")} counted its own ${h.type} for ${id} (not a message)`);
    if (missing.length > 0)
      notes.push(`no ${h.type} message for ${id} from ${missing.join(", ")} to ${to ?? "a learner"} is in the trace`);
  }
}

/**
 * A linearizability violation's minimal counterexample (the request ids its trace event lists): each client op, its
 * bar marked from invoke to completion, listed in invoke order; the cone is that of their completions (what their
 * results could have depended on). These are the ops no order could explain.
 */
function counterexample(m: Model, reqs: readonly number[], minimal: boolean): Explanation {
  const evidence: Evidence[] = [];
  const notes: string[] = [];
  const wanted = new Set(reqs);
  const seen = new Set<number>();
  for (const op of m.ops) {
    if (!wanted.has(op.req) || seen.has(op.req)) continue;
    seen.add(op.req);
    const client = m.lanes[op.lane]?.id ?? "?";
    const done = op.e1 >= 0;
    evidence.push({
      lane: op.lane,
      t: op.t1,
      event: done ? op.e1 : op.e0,
      since: op.t0,
      sinceEvent: op.e0,
      label: `${client} r${op.req} ${opTitle(op)}`,
      cone: done,
    });
  }
  evidence.sort((a, b) => (a.since ?? a.t) - (b.since ?? b.t));
  notes.push(
    minimal
      ? `the checker's minimal counterexample: no order of these ${seen.size} ops is legal, ` +
          "and without any one of them the rest has one"
      : `the checker's counterexample, reduced but not shown minimal: no order of these ${seen.size} ops is legal`,
  );
  const missing = reqs.filter((r) => !seen.has(r));
  if (missing.length > 0) notes.push(`not in the trace's client ops: ${missing.map((r) => `r${r}`).join(", ")}`);
  return { about: {}, evidence, notes };
}
