import { describe, expect, it } from "vitest";
import { echo } from "../../../protocols/echo/index.ts";
import type { EchoMsg } from "../../../protocols/echo/messages.ts";
import type { EchoState } from "../../../protocols/echo/node.ts";
import { Cluster } from "../cluster.ts";

describe("echo", () => {
  it(
    "accepts the echo of every ping slot, also with more than " + "1,024 pings in flight (inFlight goes up to 100,000)",
    () => {
      const c = new Cluster<EchoState, EchoMsg>(echo as never, ["n1", "n2"], { inFlight: 2000 });
      // n1's and n2's pings reach their peer, the peer echoes them, the echoes come back: each slot fires its next
      // ping.
      c.deliver((m) => m.msg.type === "ping", 1);
      c.deliver((m) => m.msg.type === "echo", 1);
      expect(c.state("n1").echoed).toBe(2000);
      expect(c.state("n2").echoed).toBe(2000);
      expect(c.state("n1").retries).toBe(0);
    },
  );
});
