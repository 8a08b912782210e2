/**
 * The metrics panel: small d3 charts over time (messages/s, drops/s, client latency, availability, replication lag).
 */
import * as d3 from "d3";
import type { Model } from "./model.ts";

interface Series {
  title: string;
  points: [number, number][];
  color: string;
  unit: string;
}

const BUCKETS = 60;

export function computeSeries(model: Model): Series[] {
  const w = Math.max(1, model.tMax / BUCKETS);
  const sent = new Array(BUCKETS).fill(0);
  const dropped = new Array(BUCKETS).fill(0);
  for (let k = 0; k < model.msgCount; k++) {
    const b = Math.min(BUCKETS - 1, Math.floor((model.msgT0[k] as number) / w));
    sent[b]++;
    if (model.msgStatus[k] === 1) dropped[b]++;
  }
  const perSec = (n: number) => (n / w) * 1e6;
  const latency: [number, number][] = [];
  const okB = new Array(BUCKETS).fill(0);
  const doneB = new Array(BUCKETS).fill(0);
  for (const op of model.ops) {
    if (op.outcome === "pending") continue;
    const b = Math.min(BUCKETS - 1, Math.floor(op.t1 / w));
    doneB[b]++;
    if (op.outcome === "ok") {
      okB[b]++;
      latency.push([op.t1, (op.t1 - op.t0) / 1000]);
    }
  }
  latency.sort((a, b) => a[0] - b[0]);
  const lag: [number, number][] = [];
  const commit = model.lanes.map(() => 0);
  const field = model.hints.log?.commit;
  const changes =
    field === undefined ? [] : model.states.flatMap((list, lane) => list.map((s) => ({ t: s.t, lane, c: s.v[field] })));
  changes.sort((a, b) => a.t - b.t);
  for (const ch of changes) {
    if (typeof ch.c !== "number") continue;
    commit[ch.lane] = ch.c;
    const nodes = commit.filter((_, i) => model.lanes[i]?.kind === "node");
    lag.push([ch.t, Math.max(...nodes) - Math.min(...nodes)]);
  }
  const xs = (i: number) => (i + 0.5) * w;
  return [
    { title: "messages sent per second", points: sent.map((n, i) => [xs(i), perSec(n)]), color: "#4e79a7", unit: "/s" },
    {
      title: "messages dropped per second",
      points: dropped.map((n, i) => [xs(i), perSec(n)]),
      color: "#d62728",
      unit: "/s",
    },
    { title: "client latency of ok ops (ms)", points: latency, color: "#2e9e5b", unit: "ms" },
    // no point (a gap) where no op completed: availability is unknown there, not zero
    {
      title: "availability (ok / completed ops)",
      points: doneB.map((n, i) => [xs(i), n === 0 ? Number.NaN : okB[i] / n]),
      color: "#e8a33d",
      unit: "",
    },
    { title: "replication lag (max - min commit index)", points: lag, color: "#8e44ad", unit: "entries" },
    ...protocolSeries(model),
  ];
}

const SERIES_COLORS = ["#17becf", "#bcbd22", "#7f7f7f", "#9467bd", "#8c564b", "#e377c2"];

/**
 * One chart per series of the protocol's own metrics (the trace header names them): a sample's values where they were
 * recorded, a gauge's levels, a counter's running total. Values in micros are drawn in ms.
 */
export function protocolSeries(model: Model): Series[] {
  const specs = new Map((model.header.metrics ?? []).map((s) => [s.name, s]));
  const byKey = new Map<string, { name: string; label: string | null; points: [number, number][]; total: number }>();
  for (const p of model.metricPoints) {
    const key = p.label === null ? p.name : `${p.name}[${p.label}]`;
    let s = byKey.get(key);
    if (s === undefined) {
      s = { name: p.name, label: p.label, points: [], total: 0 };
      byKey.set(key, s);
    }
    const spec = specs.get(p.name);
    const v = spec?.unit === "micros" ? p.v / 1000 : spec?.unit === "ratio" ? p.v * 100 : p.v;
    if (spec?.kind === "counter") {
      s.total += v;
      s.points.push([p.t, s.total]);
    } else s.points.push([p.t, v]);
  }
  return [...byKey.entries()].map(([key, s], i) => {
    const spec = specs.get(s.name);
    const unit = spec?.unit === "micros" ? "ms" : spec?.unit === "ratio" ? "%" : (spec?.unit ?? "");
    const what = spec?.kind === "counter" ? "running total" : spec?.kind === "gauge" ? "level" : "values";
    return {
      title: `${key} (${unit === "" ? what : `${unit}, ${what}`})`,
      points: s.points,
      color: SERIES_COLORS[i % SERIES_COLORS.length] as string,
      unit,
    };
  });
}

export function renderMetrics(el: HTMLElement, model: Model, onPick: (t: number) => void): void {
  el.replaceChildren();
  const width = 310;
  const height = 78;
  for (const s of computeSeries(model)) {
    const title = document.createElement("div");
    title.className = "chart-title";
    const known = s.points.filter((p) => !Number.isNaN(p[1]));
    const max = d3.max(known, (p) => p[1]) ?? 0;
    if (known.length === 0) {
      // nothing to draw (no ops completed, no commit index in the views): say so, never an empty axis
      title.textContent = `${s.title} — n/a`;
      const none = document.createElement("div");
      none.className = "chart-empty";
      none.textContent = "n/a: this run has no data for it";
      el.append(title, none);
      continue;
    }
    title.textContent =
      `${s.title} — max ` +
      `${max >= 100 ? Math.round(max).toLocaleString("en-US") : Number.isInteger(max) ? max : max.toFixed(2)}` +
      `${s.unit === "/s" ? "/s" : ""}`;
    el.append(title);
    const svg = d3.select(el).append("svg").attr("width", width).attr("height", height).attr("class", "metric-chart");
    const x = d3
      .scaleLinear()
      .domain([0, model.tMax])
      .range([12, width - 12]);
    const y = d3
      .scaleLinear()
      .domain([0, max || 1])
      .nice()
      .range([height - 20, 4]);
    svg
      .append("g")
      .attr("transform", `translate(0,${height - 20})`)
      .call(
        d3
          .axisBottom(x)
          .ticks(4)
          .tickFormat((t) => `${+(Number(t) / 1e6).toFixed(1)}s`),
      )
      .attr("font-size", 9);
    svg
      .append("path")
      .datum(s.points)
      .attr("fill", "none")
      .attr("stroke", s.color)
      .attr("stroke-width", 1.5)
      .attr(
        "d",
        d3
          .line<[number, number]>()
          .defined((p) => !Number.isNaN(p[1]))
          .x((p) => x(p[0]))
          .y((p) => y(p[1])),
      );
    // a series with gaps (no data there) also gets a dot per point, so lone points between gaps show
    if (known.length < s.points.length) {
      svg
        .append("g")
        .selectAll("circle")
        .data(known)
        .join("circle")
        .attr("cx", (p) => x(p[0]))
        .attr("cy", (p) => y(p[1]))
        .attr("r", 2)
        .attr("fill", s.color);
    }
    svg.on("click", (ev: MouseEvent) => onPick(x.invert(d3.pointer(ev)[0])));
  }
}
