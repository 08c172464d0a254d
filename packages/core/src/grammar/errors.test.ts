import { describe, expect, it } from "vitest";
import { formatError, NETPERM_ERROR_CODES, NetpermError } from "./errors.js";
import { renderFrame } from "./frame.js";

describe("NetpermError", () => {
  it("is an Error with a stable code, the input, offset, length, hint and cause", () => {
    const cause = new Error("inner");
    const err = new NetpermError("NETPERM_PORT", "port 70000 is out of range 0..65535", {
      input: "--allow-outbound=tcp://*:70000",
      offset: 25,
      length: 5,
      hint: "ports are 0..65535",
      cause,
    });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: "NetpermError", code: "NETPERM_PORT", offset: 25, length: 5, hint: "ports are 0..65535" });
    expect(err.cause).toBe(cause);
  });

  it("keeps everything but where in withWhere", () => {
    const err = new NetpermError("NETPERM_HOST", "missing host", { input: "--allow-outbound=tcp://:80", offset: 23 });
    const located = err.withWhere("allow.outbound[0]");
    expect(located).toMatchObject({ code: "NETPERM_HOST", input: err.input, offset: 23, where: "allow.outbound[0]" });
    expect(err.where).toBeUndefined();
  });

  it("has distinct codes, all NETPERM_", () => {
    expect(new Set(NETPERM_ERROR_CODES).size).toBe(NETPERM_ERROR_CODES.length);
    for (const code of NETPERM_ERROR_CODES) expect(code).toMatch(/^NETPERM_[A-Z_]+$/);
  });
});

describe("formatError", () => {
  it("prints only the header when there is no input", () => {
    const err = new NetpermError("NETPERM_DOCUMENT", "unknown key \"x\"", { where: "x", hint: "known keys: allow, deny" });
    expect(formatError(err)).toBe('netperm: NETPERM_DOCUMENT: unknown key "x"\n  in x\n  hint: known keys: allow, deny');
  });
});

describe("renderFrame", () => {
  it("draws one caret for an empty span, also just past the end", () => {
    expect(renderFrame("--allow-outbound=", 17, 0)).toEqual(["  --allow-outbound=", `  ${" ".repeat(17)}^`]);
  });

  it("shows a window with ellipses around an error deep in a long input", () => {
    const input = `${"a".repeat(500)}X${"b".repeat(500)}`;
    const [line, carets] = renderFrame(input, 500, 1);
    expect(line.length).toBeLessThanOrEqual(2 + 1 + 120 + 1);
    expect(line.startsWith("  \u2026")).toBe(true);
    expect(line.endsWith("\u2026")).toBe(true);
    expect(line[carets.indexOf("^")]).toBe("X");
  });

  it("replaces control characters by control pictures", () => {
    expect(renderFrame("a\u0000\n\u007f", 1, 1)[0]).toBe("  a\u2400\u240a\u2421");
  });
});
