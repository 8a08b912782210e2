import type { TraceEvent, TraceHeader } from "../events.ts";

/**
 * Chrome Trace Event JSON (opens in Perfetto and chrome://tracing): one process per datacenter, one thread per node,
 * client ops as complete events on client threads, messages as flow events, faults and state changes as instants.
 */
export function toChromeTrace(header: TraceHeader, events: readonly TraceEvent[]): string {
  const dcs = [...new Set([...header.nodes.map((n) => n.dc), ...header.clients.map((c) => c.dc)])];
  const pid = (dc: string) => dcs.indexOf(dc) + 1;
  const where = new Map<string, { pid: number; tid: number }>();
  header.nodes.forEach((n, i) => where.set(n.id, { pid: pid(n.dc), tid: i + 1 }));
  header.clients.forEach((c, i) => where.set(c.id, { pid: pid(c.dc), tid: 1000 + i }));
  const out: Record<string, unknown>[] = [];
  dcs.forEach((dc) => out.push({ ph: "M", name: "process_name", pid: pid(dc), tid: 0, args: { name: dc } }));
  for (const [id, w] of where) out.push({ ph: "M", name: "thread_name", pid: w.pid, tid: w.tid, args: { name: id } });
  const at = (id: string) => where.get(id) ?? { pid: 0, tid: 0 };
  const invokes = new Map<number, Extract<TraceEvent, { k: "invoke" }>>();
  for (const e of events) {
    switch (e.k) {
      case "send":
        out.push({ ph: "s", name: e.ty, cat: "message", id: e.i, ts: e.t, ...at(e.n), bp: "e" });
        break;
      case "deliver":
        out.push({ ph: "f", name: "deliver", cat: "message", id: e.i, ts: e.t, ...at(e.n), bp: "e" });
        out.push({ ph: "i", name: `recv from ${e.from}`, cat: "message", ts: e.t, ...at(e.n), s: "t" });
        break;
      case "drop":
        out.push({ ph: "i", name: `drop (${e.why}) to ${e.to}`, cat: "drop", ts: e.t, ...at(e.n), s: "t" });
        break;
      case "invoke":
        invokes.set(e.r, e);
        break;
      case "ok":
      case "fail":
      case "info": {
        const inv = invokes.get(e.r);
        if (inv === undefined) break;
        out.push({ ph: "X", name: `${(inv.op as { f?: string }).f ?? "op"} ${e.k}`, cat: "client", ts: inv.t, dur: Math.max(1, e.t - inv.t), ...at(e.c), args: { op: inv.op, value: e.v, node: e.n } });
        invokes.delete(e.r);
        break;
      }
      case "crash":
      case "restart":
      case "timer":
      case "clock":
      case "disk":
        out.push({ ph: "i", name: e.k === "timer" ? `timer ${e.name}` : e.k, cat: e.k, ts: e.t, ...at(e.n), s: "t", args: e });
        break;
      case "state":
        out.push({ ph: "i", name: "state", cat: "state", ts: e.t, ...at(e.n), s: "t", args: e.v });
        break;
      case "note":
        out.push({ ph: "i", name: e.text, cat: "note", ts: e.t, ...at(e.n), s: "t" });
        break;
      case "partition":
      case "heal":
      case "link":
        out.push({ ph: "i", name: e.k === "partition" ? `partition ${e.id} (${e.kind})` : e.k === "heal" ? `heal ${e.id}` : `link ${e.a}-${e.b}`, cat: "fault", ts: e.t, pid: 0, tid: 0, s: "g", args: e });
        break;
      case "violation":
        out.push({ ph: "i", name: `VIOLATION ${e.check}`, cat: "violation", ts: e.t, ...(e.n ? at(e.n) : { pid: 0, tid: 0 }), s: "g", args: { message: e.message } });
        break;
    }
  }
  for (const inv of invokes.values()) out.push({ ph: "X", name: `${(inv.op as { f?: string }).f ?? "op"} pending`, cat: "client", ts: inv.t, dur: 1, ...at(inv.c), args: { op: inv.op } });
  return JSON.stringify({ traceEvents: out, displayTimeUnit: "ms", otherData: { scenario: header.scenario.name, seed: header.seed } });
}
