/** Every protocol Faultline ships, registered by name. Entry points (CLI, viewer, tests) pass this to the engine. */
import { ProtocolRegistry } from "../sim/core/registry.ts";
import { backup } from "./backup/index.ts";
import { echo } from "./echo/index.ts";
import { multiMaster } from "./multimaster/index.ts";
import { paxos } from "./paxos/index.ts";
import { raft } from "./raft/index.ts";
import { regionsync } from "./regionsync/index.ts";
import { register } from "./register/index.ts";
import { sharding } from "./sharding/index.ts";
import { replication } from "./replication/index.ts";
import { threePc } from "./threepc/index.ts";
import { twoPc } from "./twopc/index.ts";

export const registry = new ProtocolRegistry();
registry.register(echo);
registry.register(register);
registry.register(raft);
registry.register(twoPc);
registry.register(threePc);
registry.register(paxos);
registry.register(backup);
registry.register(multiMaster);
registry.register(regionsync);
registry.register(sharding);
registry.register(replication);
