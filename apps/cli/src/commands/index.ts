/** Every `netperm` subcommand, in the order `netperm --help` lists them. */
import type { Command } from "../command.js";
import { command as check } from "./check.js";
import { command as exec } from "./exec.js";
import { command as explain } from "./explain.js";
import { command as exportCommand } from "./export.js";
import { command as lint } from "./lint.js";
import { command as policy } from "./policy.js";
import { command as proxy } from "./proxy.js";
import { command as run } from "./run.js";

export const commands: readonly Command[] = [
  check,
  exec,
  explain,
  exportCommand,
  lint,
  policy,
  proxy,
  run,
];
