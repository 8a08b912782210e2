/**
 * The trace header's view hints (sim/core/viewHints.ts), checked field by field: the viewer draws protocol state only
 * through them and names no protocol. A trace without hints (or with a malformed one) gets no protocol overlays.
 */
import type {
  EvidenceHint,
  EvidenceMessagesHint,
  ItemsHint,
  LogHint,
  TransactionsHint,
  ViewHints,
} from "../../sim/core/viewHints.ts";
import type { TraceHeader } from "../../sim/trace/events.ts";

const str = (v: unknown): v is string => typeof v === "string" && v !== "";

function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function logHint(v: unknown): LogHint | undefined {
  const o = obj(v);
  if (o === null || !str(o.terms) || !str(o.length) || !str(o.commit)) return undefined;
  const h: LogHint = { terms: o.terms, length: o.length, commit: o.commit };
  if (str(o.match)) h.match = o.match;
  if (str(o.next)) h.next = o.next;
  return h;
}

function itemsHint(v: unknown): ItemsHint | undefined {
  const o = obj(v);
  return o !== null && str(o.label) && str(o.id) && str(o.state)
    ? { label: o.label, id: o.id, state: o.state }
    : undefined;
}

function transactionsHint(v: unknown): TransactionsHint | undefined {
  const o = obj(v);
  if (o === null || !str(o.id) || !str(o.start) || !str(o.vote) || !str(o.voteField) || !str(o.decideNote))
    return undefined;
  return { id: o.id, start: o.start, vote: o.vote, voteField: o.voteField, decideNote: o.decideNote };
}

function messagesHint(v: unknown): EvidenceMessagesHint | undefined {
  const o = obj(v);
  if (o === null || !str(o.type) || !str(o.start) || !str(o.items) || !str(o.itemId) || !str(o.verb)) return undefined;
  if (!Array.isArray(o.values)) return undefined;
  const values: EvidenceMessagesHint["values"] = [];
  for (const x of o.values) {
    const w = obj(x);
    if (w === null || !str(w.id)) return undefined;
    values.push({ id: w.id, ...(str(w.senders) ? { senders: w.senders } : {}), ...(str(w.to) ? { to: w.to } : {}) });
  }
  const h: EvidenceMessagesHint = {
    type: o.type,
    start: o.start,
    items: o.items,
    itemId: o.itemId,
    verb: o.verb,
    values,
  };
  if (str(o.show)) h.show = o.show;
  return h;
}

function evidenceHints(v: unknown): EvidenceHint[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: EvidenceHint[] = [];
  for (const e of v) {
    const o = obj(e);
    if (o === null || !str(o.check) || !str(o.pattern)) continue;
    try {
      new RegExp(o.pattern);
    } catch {
      continue;
    }
    const messages = messagesHint(o.messages);
    out.push({ check: o.check, pattern: o.pattern, ...(messages !== undefined ? { messages } : {}) });
  }
  return out;
}

/** The header's hints, keeping only well-formed parts. */
export function hintsOf(header: TraceHeader): ViewHints {
  const o = obj((header as { viewHints?: unknown }).viewHints);
  if (o === null) return {};
  const h: ViewHints = {};
  if (str(o.epoch)) h.epoch = o.epoch;
  if (str(o.leaderRole)) h.leaderRole = o.leaderRole;
  const log = logHint(o.log);
  if (log !== undefined) h.log = log;
  const items = itemsHint(o.items);
  if (items !== undefined) h.items = items;
  const txns = transactionsHint(o.transactions);
  if (txns !== undefined) h.transactions = txns;
  const ev = evidenceHints(o.evidence);
  if (ev !== undefined) h.evidence = ev;
  return h;
}

/** A number field of a view, or null. */
export function numberField(v: Record<string, unknown>, field: string | undefined): number | null {
  if (field === undefined) return null;
  const x = v[field];
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

/** A {name: number} field of a view (a leader's match or next), or null. */
export function progressField(v: Record<string, unknown>, field: string | undefined): Record<string, number> | null {
  if (field === undefined) return null;
  const o = obj(v[field]);
  if (o === null) return null;
  for (const x of Object.values(o)) if (typeof x !== "number") return null;
  return o as Record<string, number>;
}

/** A log's term runs [[firstIndex, term], ...] from a view, or null. */
export function runsField(v: Record<string, unknown>, field: string | undefined): [number, number][] | null {
  if (field === undefined) return null;
  const a = v[field];
  if (!Array.isArray(a)) return null;
  for (const r of a) if (!Array.isArray(r) || typeof r[0] !== "number" || typeof r[1] !== "number") return null;
  return a as [number, number][];
}
