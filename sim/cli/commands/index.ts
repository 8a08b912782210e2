import type { CliCommand } from "../command.ts";
import { benchCommand } from "./bench.ts";
import { checkCommand } from "./check.ts";
import { exportCommand } from "./export.ts";
import { mergeCommand } from "./merge.ts";
import { protocolsCommand } from "./protocols.ts";
import { replayCommand } from "./replay.ts";
import { runCommand } from "./run.ts";
import { shrinkCommand } from "./shrink.ts";
import { sweepCommand } from "./sweep.ts";
import { validateCommand } from "./validate.ts";
import { viewCommand } from "./view.ts";

/** Every `faultline` command, in help order. */
export const COMMANDS: CliCommand[] = [
  runCommand,
  replayCommand,
  validateCommand,
  sweepCommand,
  mergeCommand,
  shrinkCommand,
  protocolsCommand,
  viewCommand,
  exportCommand,
  checkCommand,
  benchCommand,
];
