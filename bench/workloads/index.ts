import type { BenchWorkload } from "../types.ts";
import { ping5Bare } from "./bare.ts";
import { checkEtcd, checkMatrix } from "./check.ts";
import { pending1e6, pendingGrowth } from "./pending.ts";
import { paxos5 } from "./paxos5.ts";
import { mem10m, ping5, ping5Untraced } from "./ping.ts";
import { raft5, raft5Traced } from "./raft5.ts";
import { raft5NoChecks, raft5Null, raft5Skeleton } from "./raftFloor.ts";
import { ringLookup } from "./ringLookup.ts";
import { sweepRaft } from "./sweep.ts";

/** Every benchmark workload, in table order. Protocol engineers add theirs here. */
export const WORKLOADS: BenchWorkload[] = [
  ping5,
  ping5Bare,
  ping5Untraced,
  pending1e6,
  ...pendingGrowth,
  raft5,
  raft5Traced,
  raft5NoChecks,
  raft5Skeleton,
  raft5Null,
  paxos5,
  mem10m,
  ...checkMatrix,
  ...checkEtcd,
  sweepRaft,
  ringLookup,
];
