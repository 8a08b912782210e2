/**
 * The protocol metrics of one run: every (name, label) series a node or observer recorded, kept until the end and
 * summarised there. Series come out in the protocol's declaration order, then by label (sorted), so a summary does
 * not depend on which node happened to record first.
 */
import { assert } from "../core/assert.ts";
import { type MetricSpec, type MetricSummary, summariseSeries } from "../core/metrics.ts";

export class MetricsLog {
  private readonly specs = new Map<string, MetricSpec>();
  private readonly order = new Map<string, number>();
  /** name -> label ("" for none) -> values in recording order. */
  private readonly series = new Map<string, Map<string, number[]>>();

  constructor(
    private readonly protocol: string,
    specs: readonly MetricSpec[],
  ) {
    specs.forEach((s, i) => {
      this.specs.set(s.name, s);
      this.order.set(s.name, i);
    });
    assert(this.specs.size === specs.length, () => `protocol ${protocol}: metric names are unique`);
  }

  /** Record one value. A metric the protocol did not declare, or a value that is not a finite number, is its bug. */
  record(name: string, value: number, label: string | undefined): void {
    const spec = this.specs.get(name);
    if (spec === undefined) {
      const known = [...this.specs.keys()].join(", ") || "none";
      assert(false, () => `protocol ${this.protocol} recorded metric "${name}", which it does not declare (${known})`);
    }
    if (!Number.isFinite(value)) assert(false, () => `metric ${name}: value must be a finite number, got ${value}`);
    if (label !== undefined && (typeof label !== "string" || label === ""))
      assert(false, () => `metric ${name}: a label is a non-empty string, got ${JSON.stringify(label)}`);
    let byLabel = this.series.get(name);
    if (byLabel === undefined) {
      byLabel = new Map();
      this.series.set(name, byLabel);
    }
    const key = label ?? "";
    const values = byLabel.get(key);
    if (values === undefined) byLabel.set(key, [value]);
    else values.push(value);
  }

  /** Every series recorded, summarised; in declaration order, then by label. */
  summaries(): MetricSummary[] {
    const names = [...this.series.keys()].sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
    const out: MetricSummary[] = [];
    for (const name of names) {
      const spec = this.specs.get(name) as MetricSpec;
      const byLabel = this.series.get(name) as Map<string, number[]>;
      for (const label of [...byLabel.keys()].sort()) {
        const values = byLabel.get(label) as number[];
        out.push(summariseSeries(spec, label === "" ? null : label, values));
      }
    }
    assert(
      out.every((s) => s.count > 0),
      "every summarised series has a value",
    );
    return out;
  }
}
