import { parseArgs } from "node:util";
import { describe, expect, it } from "vitest";
import { defineOptions, helpLines, parseArgsOptions, typedValues } from "./options.js";

const TABLE = defineOptions({
  json: { type: "boolean", help: "print JSON" },
  name: { type: "string", value: "NAME", help: "a name" },
  tag: { type: "string", value: "KEY=VALUE", multiple: true, help: "repeatable" },
});

describe("the option table", () => {
  it("gives parseArgs its spec and the command typed values (repeatable: [] when absent)", () => {
    const read = (args: string[]) => typedValues(TABLE, parseArgs({ args, options: parseArgsOptions(TABLE), strict: true }).values);
    expect(read(["--json", "--name=x", "--tag=a=1", "--tag=b=2"])).toEqual({ json: true, name: "x", tag: ["a=1", "b=2"] });
    expect(read([])).toEqual({ json: undefined, name: undefined, tag: [] });
    expect(() => read(["--nope"])).toThrow();
    expect(() => read(["--json=1"])).toThrow();
  });

  it("gives help one line per option, the help text in one column", () => {
    expect(helpLines(TABLE)).toEqual([
      "--json                    print JSON",
      "--name=NAME               a name",
      "--tag=KEY=VALUE           repeatable",
    ]);
  });
});
