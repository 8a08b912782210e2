import { assert } from "../../sim/core/assert.ts";
import type { Input, KvOp, NodeContext } from "../../sim/core/protocol.ts";
import { assertNever, type NodeId } from "../../sim/core/types.ts";
import { kvApply } from "../kv/kv.ts";
import { keySpace, keysMoved, modOwners, ringOf } from "../kv/ring.ts";
import { eventLabel, membershipsOf, type ShardingOptions } from "./options.ts";

/** A key's value and its version (1 for its first write; handoffs carry it, so it only grows). */
export interface Item {
  value: string;
  version: number;
}

/** One key in a handoff batch: its item (null: never written), and whether it hands over the primary role. */
export interface Moved {
  key: string;
  item: Item | null;
  primary: boolean;
}

export type ShardMsg =
  /** Controller -> every node: epoch `epoch` (the epoch-th membership change) has begun. */
  | { type: "epoch"; epoch: number }
  /** Old primary -> new owner: a batch of keys (stop-and-wait per stream); `last` ends this epoch's stream. */
  | { type: "batch"; epoch: number; seq: number; entries: Moved[]; last: boolean }
  | { type: "batch-ack"; epoch: number; seq: number }
  /** New primary -> old primary: a client waits for this key; send it now. */
  | { type: "fetch"; epoch: number; key: string }
  | { type: "give"; epoch: number; key: string; item: Item | null }
  /** Primary -> other owners: a new version of a key. */
  | { type: "copy"; epoch: number; key: string; item: Item }
  /** Node -> controller: my streams of `epoch` are all sent and acknowledged, and every stream to me ended. */
  | { type: "done"; epoch: number };

interface Stream {
  dest: NodeId;
  /** Keys still to send, in order. */
  todo: Moved[];
  seq: number;
  pending: { msg: Extract<ShardMsg, { type: "batch" }>; sentAt: number } | null;
  done: boolean;
}

export interface ShardState {
  o: ShardingOptions;
  bugs: ReadonlySet<string>;
  id: NodeId;
  controller: NodeId;
  epochs: NodeId[][];
  epoch: number;
  /** Keys this node is the primary of and has the data of: it serves them. */
  prim: Map<string, Item>;
  /** Copies of keys this node holds as a non-primary owner (never served). */
  copies: Map<string, Item>;
  /** Keys handed to their new primary this epoch (null: handed while unwritten); kept for fetches and checks. */
  handed: Map<string, Item | null>;
  /** Keys received (or, with the bug, served) this epoch: a late duplicate must not overwrite them. */
  installed: Set<string>;
  streams: Map<NodeId, Stream>;
  /** Old members whose stream to this node ended this epoch. */
  incomingDone: Set<NodeId>;
  /** Client requests waiting for a key's data: key -> requests, and when the key was last fetched. */
  queued: Map<string, { requestId: number; op: KvOp }[]>;
  fetchedAt: Map<string, number>;
  /** Highest version this node acknowledged to a client, per key (the invariant's "acknowledged writes"). */
  acked: Map<string, number>;
  reportedDone: boolean;
  lastGauge: number;
  /** Controller only: when the current change began, who reported it done, whether the next one is due. */
  ctrl: { startedAt: number; doneFrom: Set<NodeId>; complete: boolean; due: boolean };
}

export function ownersAt(s: ShardState, epoch: number, key: string): NodeId[] {
  return ringOf(s.epochs[epoch] as NodeId[], s.o.vnodes).owners(key, s.o.replicas);
}

export function createShard(ctx: NodeContext<ShardMsg>, o: ShardingOptions, bugs: ReadonlySet<string>): ShardState {
  const m = membershipsOf(o, ctx.nodes);
  assert(m.problem === null, () => `sharding options: ${m.problem}`);
  return {
    o,
    bugs,
    id: ctx.id,
    controller: o.controller ?? (ctx.nodes[0] as NodeId),
    epochs: m.epochs,
    epoch: 0,
    prim: new Map(),
    copies: new Map(),
    handed: new Map(),
    installed: new Set(),
    streams: new Map(),
    incomingDone: new Set(),
    queued: new Map(),
    fetchedAt: new Map(),
    acked: new Map(),
    reportedDone: true,
    lastGauge: -1,
    ctrl: { startedAt: 0, doneFrom: new Set(), complete: true, due: false },
  };
}

export function stepShard(s: ShardState, input: Input<ShardMsg>, ctx: NodeContext<ShardMsg>): void {
  switch (input.kind) {
    case "start":
      if (s.id === s.controller && s.o.rebalance.length > 0) {
        const first = s.o.rebalance[0] as { atMicros: number };
        ctx.setTimer("event", Math.max(1, first.atMicros - ctx.now()));
      }
      gauge(s, ctx);
      return;
    case "client":
      return onClient(s, input.requestId, input.op, ctx);
    case "message":
      if ("epoch" in input.msg && input.msg.epoch > s.epoch) advanceTo(s, input.msg.epoch, ctx);
      return onMessage(s, input.from, input.msg, ctx);
    case "timer":
      if (input.name === "event") return onEventTimer(s, ctx);
      if (input.name === "ctrl") return onCtrlTimer(s, ctx);
      return tick(s, ctx);
    default:
      return assertNever(input, "input");
  }
}

/** Where a request for `key` goes at this node: served here, queued for its data, or redirected. */
function route(
  s: ShardState,
  key: string,
): { kind: "serve" } | { kind: "wait"; from: NodeId } | { kind: "redirect"; to: NodeId } {
  const primary = ownersAt(s, s.epoch, key)[0] as NodeId;
  const oldPrimary = s.epoch === 0 ? primary : (ownersAt(s, s.epoch - 1, key)[0] as NodeId);
  if (primary !== s.id) {
    // The old primary keeps serving a key it still holds until it sends it (ownership moves with the data).
    if (oldPrimary === s.id && s.prim.has(key) && !s.handed.has(key)) return { kind: "serve" };
    return { kind: "redirect", to: primary };
  }
  if (oldPrimary === s.id || s.installed.has(key) || s.incomingDone.has(oldPrimary)) return { kind: "serve" };
  if (s.bugs.has("serve-before-handoff")) {
    s.installed.add(key); // serves now from what it has (nothing): the old primary's data arrives too late
    return { kind: "serve" };
  }
  return { kind: "wait", from: oldPrimary };
}

function onClient(s: ShardState, requestId: number, op: KvOp, ctx: NodeContext<ShardMsg>): void {
  const r = route(s, op.key);
  if (r.kind === "redirect") return ctx.reply(requestId, { type: "redirect", leader: r.to });
  if (r.kind === "wait") {
    const q = s.queued.get(op.key) ?? [];
    if (q.some((x) => x.requestId === requestId)) return;
    q.push({ requestId, op });
    s.queued.set(op.key, q);
    fetch(s, op.key, r.from, ctx);
    return;
  }
  serve(s, requestId, op, ctx);
}

function serve(s: ShardState, requestId: number, op: KvOp, ctx: NodeContext<ShardMsg>): void {
  const before = s.prim.get(op.key);
  const r = kvApply(before?.value ?? null, op);
  if (r.value !== null && r.value !== (before?.value ?? null)) {
    const item: Item = { value: r.value, version: (before?.version ?? 0) + 1 };
    s.prim.set(op.key, item);
    s.acked.set(op.key, item.version);
    for (const b of ownersAt(s, s.epoch, op.key).slice(1))
      if (b !== s.id) ctx.send(b, { type: "copy", epoch: s.epoch, key: op.key, item });
    assert(s.prim.get(op.key)?.version === item.version, "serve: the primary holds the version it acknowledges");
  }
  ctx.reply(requestId, { type: "ok", value: r.result });
  gauge(s, ctx);
}

function fetch(s: ShardState, key: string, from: NodeId, ctx: NodeContext<ShardMsg>): void {
  s.fetchedAt.set(key, ctx.now());
  ctx.send(from, { type: "fetch", epoch: s.epoch, key });
  ctx.setTimer("tick", s.o.batchMicros);
}

/** Move to epoch `to` (one change at a time): plan the streams of every key whose owners change. */
function advanceTo(s: ShardState, to: number, ctx: NodeContext<ShardMsg>): void {
  assert(to <= s.epochs.length - 1, () => `${s.id}: epoch ${to} past the schedule (${s.epochs.length - 1} changes)`);
  while (s.epoch < to) {
    for (const st of s.streams.values())
      assert(st.done, () => `${s.id}: epoch ${s.epoch + 1} began before my stream to ${st.dest} finished`);
    s.epoch++;
    s.handed.clear();
    s.installed.clear();
    s.streams.clear();
    s.incomingDone.clear();
    s.fetchedAt.clear();
    const oldMembers = s.epochs[s.epoch - 1] as NodeId[];
    const members = s.epochs[s.epoch] as NodeId[];
    if (oldMembers.includes(s.id)) {
      for (const m of members)
        if (m !== s.id) s.streams.set(m, { dest: m, todo: [], seq: 0, pending: null, done: false });
      for (const key of [...s.prim.keys()].sort()) {
        const before = ownersAt(s, s.epoch - 1, key);
        const after = ownersAt(s, s.epoch, key);
        for (const [i, dest] of after.entries()) {
          if (dest === s.id || (i > 0 && before.includes(dest))) continue;
          (s.streams.get(dest) as Stream).todo.push({ key, item: null, primary: i === 0 });
        }
      }
    }
    for (const key of [...s.copies.keys()]) if (!ownersAt(s, s.epoch, key).includes(s.id)) s.copies.delete(key);
    s.reportedDone = false;
    ctx.note(`epoch ${s.epoch}: ${eventLabel(s.o, s.epoch)}`, { members: members.join(","), streams: s.streams.size });
  }
  ctx.setTimer("tick", 1);
  maybeDone(s, ctx);
}

/** Hand `key` to its new primary (freeze it here): returns what is sent. */
function handOff(s: ShardState, key: string, ctx: NodeContext<ShardMsg>): Item | null {
  if (s.handed.has(key)) return s.handed.get(key) ?? null;
  const item = s.prim.get(key) ?? null;
  s.prim.delete(key);
  s.handed.set(key, item);
  if (item !== null) {
    ctx.metric("rebalance.keys-moved", 1, eventLabel(s.o, s.epoch));
    ctx.metric("rebalance.bytes-moved", entryBytes(key, item), eventLabel(s.o, s.epoch));
  }
  assert(!s.prim.has(key) && s.handed.has(key), "handOff: the key left this node's served set");
  gauge(s, ctx);
  return item;
}

export function entryBytes(key: string, item: Item | null): number {
  return 16 + key.length + (item?.value.length ?? 0);
}

function tick(s: ShardState, ctx: NodeContext<ShardMsg>): void {
  const now = ctx.now();
  let busy = false;
  for (const st of s.streams.values()) {
    if (st.done) continue;
    busy = true;
    if (st.pending !== null) {
      if (now - st.pending.sentAt >= s.o.retryMicros) {
        st.pending.sentAt = now;
        ctx.send(st.dest, st.pending.msg);
      }
      continue;
    }
    const entries: Moved[] = [];
    while (entries.length < s.o.batchKeys && st.todo.length > 0) {
      const m = st.todo.shift() as Moved;
      if (m.primary) {
        // A key a fetch already moved is sent again: the stream's end must come after every key it owes, and a
        // give can still be in flight when the last batch arrives (the receiver drops the duplicate).
        entries.push({ key: m.key, item: handOff(s, m.key, ctx), primary: true });
      } else {
        const item = s.prim.get(m.key) ?? s.handed.get(m.key) ?? null;
        if (item === null) continue;
        ctx.metric("rebalance.keys-moved", 1, eventLabel(s.o, s.epoch));
        ctx.metric("rebalance.bytes-moved", entryBytes(m.key, item), eventLabel(s.o, s.epoch));
        entries.push({ key: m.key, item, primary: false });
      }
    }
    const msg: ShardMsg = { type: "batch", epoch: s.epoch, seq: ++st.seq, entries, last: st.todo.length === 0 };
    st.pending = { msg, sentAt: now };
    ctx.send(st.dest, msg);
  }
  for (const [key, at] of s.fetchedAt) {
    if (!s.queued.has(key)) continue;
    busy = true;
    if (now - at >= s.o.retryMicros) {
      const from = ownersAt(s, s.epoch - 1, key)[0] as NodeId;
      fetch(s, key, from, ctx);
    }
  }
  if (busy) ctx.setTimer("tick", s.o.batchMicros);
}

function onMessage(s: ShardState, from: NodeId, msg: ShardMsg, ctx: NodeContext<ShardMsg>): void {
  switch (msg.type) {
    case "epoch":
      // The controller re-sends the epoch while the change is open: a node that already finished says so again
      // (its first `done` may have been lost).
      if (msg.epoch === s.epoch && s.reportedDone && s.id !== s.controller)
        ctx.send(s.controller, { type: "done", epoch: s.epoch });
      return;
    case "batch": {
      if (msg.epoch < s.epoch) return; // a stale duplicate: that epoch's stream ended before this one began
      for (const e of msg.entries) {
        if (e.primary) install(s, e.key, e.item, ctx);
        else if (e.item !== null && (s.copies.get(e.key)?.version ?? 0) < e.item.version) s.copies.set(e.key, e.item);
      }
      if (msg.last && !s.incomingDone.has(from)) {
        s.incomingDone.add(from);
        for (const key of [...s.queued.keys()])
          if ((ownersAt(s, s.epoch - 1, key)[0] as NodeId) === from) release(s, key, ctx);
      }
      ctx.send(from, { type: "batch-ack", epoch: msg.epoch, seq: msg.seq });
      return maybeDone(s, ctx);
    }
    case "batch-ack": {
      const st = s.streams.get(from);
      if (msg.epoch !== s.epoch || st === undefined || st.pending?.msg.seq !== msg.seq) return;
      if (st.pending.msg.last) st.done = true;
      st.pending = null;
      if (!st.done) ctx.setTimer("tick", s.o.batchMicros);
      return maybeDone(s, ctx);
    }
    case "fetch": {
      if (msg.epoch < s.epoch) return;
      const primary = ownersAt(s, s.epoch, msg.key)[0] as NodeId;
      assert(primary === from, () => `${s.id}: ${from} fetched ${msg.key}, whose primary is ${primary}`);
      ctx.send(from, { type: "give", epoch: s.epoch, key: msg.key, item: handOff(s, msg.key, ctx) });
      return;
    }
    case "give":
      if (msg.epoch < s.epoch) return;
      return install(s, msg.key, msg.item, ctx);
    case "copy":
      if (msg.epoch === s.epoch && (s.copies.get(msg.key)?.version ?? 0) < msg.item.version)
        s.copies.set(msg.key, msg.item);
      return;
    case "done":
      return onDone(s, from, msg.epoch, ctx);
    default:
      return assertNever(msg, "sharding message");
  }
}

/** The new primary receives a key's data: serve it from now on, and answer the requests that waited for it. */
function install(s: ShardState, key: string, item: Item | null, ctx: NodeContext<ShardMsg>): void {
  if (s.installed.has(key)) return; // a duplicate (or, with the bug, a key already served without its data)
  // After the old primary's stream ended, a late give only repeats what the stream carried (or that it was absent).
  if (s.incomingDone.has(ownersAt(s, s.epoch - 1, key)[0] as NodeId)) return;
  assert((ownersAt(s, s.epoch, key)[0] as NodeId) === s.id, () => `${s.id} received ${key}, which it does not own`);
  assert(!s.prim.has(key), () => `${s.id} received ${key} while already serving it`);
  s.installed.add(key);
  if (item !== null) s.prim.set(key, item);
  gauge(s, ctx);
  release(s, key, ctx);
}

function release(s: ShardState, key: string, ctx: NodeContext<ShardMsg>): void {
  const q = s.queued.get(key);
  s.queued.delete(key);
  s.fetchedAt.delete(key);
  for (const r of q ?? []) serve(s, r.requestId, r.op, ctx);
}

function maybeDone(s: ShardState, ctx: NodeContext<ShardMsg>): void {
  if (s.reportedDone || s.epoch === 0) return;
  for (const st of s.streams.values()) if (!st.done) return;
  const members = s.epochs[s.epoch] as NodeId[];
  if (members.includes(s.id))
    for (const m of s.epochs[s.epoch - 1] as NodeId[]) if (m !== s.id && !s.incomingDone.has(m)) return;
  s.reportedDone = true;
  if (s.id === s.controller) onDone(s, s.id, s.epoch, ctx);
  else ctx.send(s.controller, { type: "done", epoch: s.epoch });
}

/** Controller: a node finished its part of the change; when every old and new member did, the change is over. */
function onDone(s: ShardState, from: NodeId, epoch: number, ctx: NodeContext<ShardMsg>): void {
  if (s.id !== s.controller || epoch !== s.epoch || s.ctrl.complete) return;
  s.ctrl.doneFrom.add(from);
  const involved = new Set([...(s.epochs[epoch - 1] as NodeId[]), ...(s.epochs[epoch] as NodeId[])]);
  for (const n of involved) if (!s.ctrl.doneFrom.has(n)) return;
  s.ctrl.complete = true;
  const took = ctx.now() - s.ctrl.startedAt;
  assert(took >= 0, "rebalance: a change cannot end before it began");
  ctx.metric("rebalance.time", took, eventLabel(s.o, epoch));
  ctx.note(`rebalance done: ${eventLabel(s.o, epoch)}`, { micros: took });
  if (s.ctrl.due) startChange(s, ctx);
}

/** Controller: while a change is open, re-send its epoch to the nodes that have not reported it done. */
function onCtrlTimer(s: ShardState, ctx: NodeContext<ShardMsg>): void {
  if (s.id !== s.controller || s.ctrl.complete) return;
  const involved = new Set([...(s.epochs[s.epoch - 1] as NodeId[]), ...(s.epochs[s.epoch] as NodeId[])]);
  let missing = 0;
  for (const n of involved)
    if (n !== s.id && !s.ctrl.doneFrom.has(n)) {
      missing++;
      ctx.send(n, { type: "epoch", epoch: s.epoch });
    }
  assert(missing > 0 || !s.ctrl.doneFrom.has(s.id), "ctrl: an open change waits for some node");
  ctx.setTimer("ctrl", s.o.retryMicros);
}

function onEventTimer(s: ShardState, ctx: NodeContext<ShardMsg>): void {
  if (!s.ctrl.complete) {
    s.ctrl.due = true; // starts when the change in progress ends
    return;
  }
  startChange(s, ctx);
}

/** Controller: begin the next membership change, and record what it moves over the key space, ring vs mod-n. */
function startChange(s: ShardState, ctx: NodeContext<ShardMsg>): void {
  assert(s.ctrl.complete && s.epoch < s.epochs.length - 1, "startChange: one change at a time, within the schedule");
  const e = s.epoch + 1;
  s.ctrl = { startedAt: ctx.now(), doneFrom: new Set(), complete: false, due: false };
  const label = eventLabel(s.o, e);
  const before = s.epochs[e - 1] as NodeId[];
  const after = s.epochs[e] as NodeId[];
  const keys = keySpace(s.o.keySpace);
  const r0 = ringOf(before, s.o.vnodes);
  const r1 = ringOf(after, s.o.vnodes);
  const ring = keysMoved(
    keys,
    (k) => r0.owners(k, s.o.replicas),
    (k) => r1.owners(k, s.o.replicas),
  );
  const mod = keysMoved(
    keys,
    (k) => modOwners(k, before, s.o.replicas),
    (k) => modOwners(k, after, s.o.replicas),
  );
  ctx.metric("rebalance.ring-keyspace-moved", ring.keys, label);
  ctx.metric("rebalance.mod-n-keyspace-moved", mod.keys, label);
  ctx.metric("rebalance.ring-fraction", ring.keys / keys.length, label);
  ctx.metric("rebalance.mod-n-fraction", mod.keys / keys.length, label);
  for (const p of ctx.peers) ctx.send(p, { type: "epoch", epoch: e });
  ctx.setTimer("ctrl", s.o.retryMicros);
  advanceTo(s, e, ctx);
  const next = s.o.rebalance[e];
  if (next !== undefined) ctx.setTimer("event", Math.max(1, next.atMicros - ctx.now()));
}

function gauge(s: ShardState, ctx: NodeContext<ShardMsg>): void {
  if (s.prim.size === s.lastGauge) return;
  s.lastGauge = s.prim.size;
  ctx.metric("keys-per-node", s.prim.size, s.id);
}
