/** Every `netperm` subcommand, in the order `netperm --help` lists them. */
import type { Command } from "../command.js";
import { command as check } from "./check.js";

export const commands: readonly Command[] = [
  check,
];
