import { assert } from "../core/assert.ts";
import type { Micros } from "../core/types.ts";

/**
 * A node's local clock: virtual time + offset + drift. Drift is in parts per million and accumulates from the moment
 * it was set (a node whose clock runs 100ppm fast gains 100us per virtual second).
 */
export class NodeClock {
  offsetMicros = 0;
  driftPpm = 0;
  private driftSinceMicros = 0;
  private driftBaseMicros = 0;

  local(virtualNow: Micros): Micros {
    const drifted = this.driftBaseMicros + ((virtualNow - this.driftSinceMicros) * this.driftPpm) / 1e6;
    return Math.floor(virtualNow + this.offsetMicros + drifted);
  }

  /** Change offset and/or drift at virtual time `now` (null keeps the current value). */
  set(now: Micros, offsetMicros: Micros | null, driftPpm: number | null): void {
    assert(now >= this.driftSinceMicros, () => `clock set at ${now}us, before its last change`);
    if (offsetMicros !== null) this.offsetMicros = offsetMicros;
    if (driftPpm !== null) {
      this.driftBaseMicros += ((now - this.driftSinceMicros) * this.driftPpm) / 1e6;
      this.driftSinceMicros = now;
      this.driftPpm = driftPpm;
    }
    assert(Number.isFinite(this.offsetMicros) && this.driftPpm > -1e6, () => `clock: offset/drift out of range`);
  }

  /**
   * Virtual delay for a local-time delay: a fast clock fires its timers early in virtual time. Rounded up, so that
   * by the node's own clock a timer never fires before its delay has passed (rounding to nearest made it ~1us early).
   */
  virtualDelay(localDelayMicros: Micros): Micros {
    if (!(localDelayMicros >= 0)) assert(false, `clock: delay ${localDelayMicros}us, expected >= 0`);
    if (this.driftPpm === 0) return localDelayMicros;
    const virtual = Math.max(0, Math.ceil((localDelayMicros * 1e6) / (1e6 + this.driftPpm)));
    if (!(virtual >= 0)) assert(false, `clock: virtual delay ${virtual}us for ${localDelayMicros}us`);
    return virtual;
  }
}
