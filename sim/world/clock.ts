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
    if (offsetMicros !== null) this.offsetMicros = offsetMicros;
    if (driftPpm !== null) {
      this.driftBaseMicros += ((now - this.driftSinceMicros) * this.driftPpm) / 1e6;
      this.driftSinceMicros = now;
      this.driftPpm = driftPpm;
    }
  }

  /**
   * Virtual delay for a local-time delay: a fast clock fires its timers early in virtual time. Rounded up, so that
   * by the node's own clock a timer never fires before its delay has passed (rounding to nearest made it ~1us early).
   */
  virtualDelay(localDelayMicros: Micros): Micros {
    if (this.driftPpm === 0) return localDelayMicros;
    return Math.max(0, Math.ceil((localDelayMicros * 1e6) / (1e6 + this.driftPpm)));
  }
}
