import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { comparable, policyArb } from "../../test/arbitraries.js";
import { NetpermError } from "./errors.js";
import { checkPolicy, mergePolicies, parsePolicy } from "./parse.js";
import type { PolicyDocument } from "../types.js";

const codeOf = (input: unknown): { code: string; where?: string } => {
  const result = checkPolicy(input as PolicyDocument);
  if (result.ok) throw new Error("parsed without an error");
  return result.error.where === undefined ? { code: result.error.code } : { code: result.error.code, where: result.error.where };
};

describe("parsePolicy: argument lists", () => {
  it("reads --flag=V and --flag V alike, in order, re-indexed", () => {
    const policy = parsePolicy(["--allow-outbound=tcp://*:80", "--deny-outbound", "tcp://10.0.0.0/8", "--allow-resolve", "*"]);
    expect(policy.rules.map((r) => [r.effect, r.direction, r.source.index, r.source.flag, r.source.origin])).toEqual([
      ["allow", "outbound", 0, "--allow-outbound=tcp://*:80", "flags"],
      ["deny", "outbound", 1, "--deny-outbound=tcp://10.0.0.0/8", "flags"],
      ["allow", "resolve", 2, "--allow-resolve=*", "flags"],
    ]);
  });

  it("reads an empty list as the empty (deny-all) policy", () => {
    expect(parsePolicy([])).toEqual({ rules: [] });
  });

  it("uses the origin given", () => {
    expect(parsePolicy(["--allow-resolve=*"], { origin: "package.json" }).rules[0]!.source.origin).toBe("package.json");
  });

  it("refuses unknown flags, stray words and a flag without its value", () => {
    expect(codeOf(["--allow-net=tcp://x"])).toEqual({ code: "NETPERM_FLAG", where: "argv[0]" });
    expect(codeOf(["--allow-resolve=*", "example.com"])).toEqual({ code: "NETPERM_FLAG", where: "argv[1]" });
    expect(codeOf(["--allow-outbound"])).toEqual({ code: "NETPERM_EMPTY", where: "argv[0]" });
    expect(codeOf(["--allow-outbound", "--deny-inbound=tcp://*"])).toEqual({ code: "NETPERM_EMPTY", where: "argv[0]" });
    expect(codeOf(["--allow-outbound="])).toEqual({ code: "NETPERM_EMPTY", where: "argv[0]" });
    expect(codeOf([42])).toEqual({ code: "NETPERM_FLAG", where: "argv[0]" });
  });

  it("points the frame of an unknown flag at the flag name", () => {
    const result = checkPolicy(["--allow-net=tcp://x"]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ input: "--allow-net=tcp://x", offset: 0, length: "--allow-net".length });
  });
});

describe("parsePolicy: documents", () => {
  it("reads allow then deny, outbound, inbound, resolve, each list in order", () => {
    const doc: PolicyDocument = {
      $schema: "https://example.invalid/netperm.schema.json",
      deny: { outbound: ["tcp://10.0.0.0/8"] },
      allow: { resolve: ["*"], outbound: ["tcp://*:80", "udp://..."] },
    };
    const policy = parsePolicy(doc, { origin: "policy.json" });
    expect(policy.rules.map((r) => r.source.flag)).toEqual([
      "--allow-outbound=tcp://*:80",
      "--allow-outbound=udp://...",
      "--allow-resolve=*",
      "--deny-outbound=tcp://10.0.0.0/8",
    ]);
    expect(policy.rules.every((r) => r.source.origin === "policy.json")).toBe(true);
  });

  it("defaults the origin of a document to 'document'", () => {
    expect(parsePolicy({ allow: { resolve: ["*"] } }).rules[0]!.source.origin).toBe("document");
  });

  it("refuses unknown keys and says where they are", () => {
    expect(codeOf({ allow: { outbund: [] } })).toEqual({ code: "NETPERM_DOCUMENT", where: "allow.outbund" });
    expect(codeOf({ alow: {} })).toEqual({ code: "NETPERM_DOCUMENT", where: "alow" });
    expect(codeOf(JSON.parse('{"__proto__": {"outbound": ["tcp://*"]}}'))).toEqual({ code: "NETPERM_DOCUMENT", where: "__proto__" });
    expect(codeOf({ deny: { "in bound": [] } })).toEqual({ code: "NETPERM_DOCUMENT", where: 'deny["in bound"]' });
  });

  it("refuses wrong shapes", () => {
    expect(codeOf(null)).toEqual({ code: "NETPERM_DOCUMENT", where: "document" });
    expect(codeOf("--allow-outbound=tcp://*")).toEqual({ code: "NETPERM_DOCUMENT", where: "document" });
    expect(codeOf({ allow: [] })).toEqual({ code: "NETPERM_DOCUMENT", where: "allow" });
    expect(codeOf({ allow: { outbound: "tcp://*" } })).toEqual({ code: "NETPERM_DOCUMENT", where: "allow.outbound" });
    expect(codeOf({ allow: { outbound: ["tcp://*", 80] } })).toEqual({ code: "NETPERM_DOCUMENT", where: "allow.outbound[1]" });
    expect(codeOf({ $schema: 1 })).toEqual({ code: "NETPERM_DOCUMENT", where: "$schema" });
  });
});

describe("checkPolicy", () => {
  it("returns the policy when valid", () => {
    const result = checkPolicy(["--allow-resolve=example.com"]);
    expect(result).toEqual({ ok: true, value: parsePolicy(["--allow-resolve=example.com"]) });
  });

  it("fails closed with NETPERM_INTERNAL when reading the input throws something unexpected", () => {
    const hostile = {
      get allow(): never {
        throw new TypeError("boom");
      },
    };
    const result = checkPolicy(hostile as unknown as PolicyDocument);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(NetpermError);
      expect(result.error.code).toBe("NETPERM_INTERNAL");
      expect(result.error.cause).toBeInstanceOf(TypeError);
    }
  });
});

describe("mergePolicies", () => {
  it("concatenates, re-indexes and keeps each rule's flag and origin", () => {
    const file = parsePolicy({ deny: { outbound: ["tcp://10.0.0.0/8"] } }, { origin: "policy.json" });
    const flags = parsePolicy(["--allow-outbound=tcp://*:443"]);
    const merged = mergePolicies(file, flags);
    expect(merged.rules.map((r) => r.source)).toEqual([
      { flag: "--deny-outbound=tcp://10.0.0.0/8", index: 0, origin: "policy.json" },
      { flag: "--allow-outbound=tcp://*:443", index: 1, origin: "flags" },
    ]);
    expect(flags.rules[0]!.source.index).toBe(0);
  });

  it("merging is the policy of the concatenated flags (property, seed 42)", () => {
    fc.assert(
      fc.property(policyArb, policyArb, (a, b) => {
        const flags = [...a.rules, ...b.rules].map((r) => r.source.flag);
        expect(comparable(mergePolicies(a, b))).toEqual(comparable(parsePolicy(flags)));
      }),
      { seed: 42, numRuns: 100 },
    );
  });
});
