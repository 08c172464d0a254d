import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IDN_NAMES, nameArb, nameSpellingArb } from "../../test/arbitraries.js";
import { NetpermError } from "./errors.js";
import { canonicalName } from "./names.js";

const codeOf = (text: string): string => {
  try {
    canonicalName(text);
  } catch (e) {
    if (e instanceof NetpermError) return e.code;
    throw e;
  }
  return "none";
};

describe("canonicalName", () => {
  it("lower-cases and removes exactly one trailing dot", () => {
    expect(canonicalName("WWW.Example.COM.")).toBe("www.example.com");
    expect(codeOf("example.com..")).toBe("NETPERM_LABEL");
  });

  it.each(IDN_NAMES)("applies IDNA to ASCII: %s -> %s", (unicode, ascii) => {
    expect(canonicalName(unicode)).toBe(ascii);
  });

  it("accepts one-label names, underscores, and the words __proto__ and constructor", () => {
    expect(canonicalName("db")).toBe("db");
    expect(canonicalName("_dmarc.Example.com")).toBe("_dmarc.example.com");
    expect(canonicalName("__proto__")).toBe("__proto__");
    expect(canonicalName("constructor")).toBe("constructor");
  });

  it("accepts a 63-character label and a 253-character name, and refuses one more", () => {
    expect(canonicalName(`${"a".repeat(63)}.com`)).toHaveLength(67);
    expect(codeOf(`${"a".repeat(64)}.com`)).toBe("NETPERM_LABEL");
    const name253 = `${"a.".repeat(125)}abc`;
    expect(name253).toHaveLength(253);
    expect(canonicalName(name253)).toBe(name253);
    expect(canonicalName(`${name253}.`)).toBe(name253);
    expect(codeOf(`${name253}d`)).toBe("NETPERM_NAME");
  });

  it("counts the length after IDNA", () => {
    const unicode = `${"ü".repeat(60)}.de`;
    expect(codeOf(unicode)).toBe("NETPERM_LABEL");
  });

  it("never takes a numeric host for a name", () => {
    for (const numeric of ["127.1", "2130706433", "0x7f000001", "example.123", "１２７.０.０.１"]) {
      expect(codeOf(numeric)).toBe("NETPERM_NAME");
    }
  });

  it("refuses empty names, empty labels, edge hyphens, wildcards and URL characters", () => {
    expect(codeOf("")).toBe("NETPERM_NAME");
    expect(codeOf(".")).toBe("NETPERM_LABEL");
    expect(codeOf("a..b")).toBe("NETPERM_LABEL");
    expect(codeOf("-a.com")).toBe("NETPERM_LABEL");
    expect(codeOf("a-.com")).toBe("NETPERM_LABEL");
    expect(codeOf("*.example.com")).toBe("NETPERM_WILDCARD");
    for (const bad of ["a/b.com", "a:b", "a@b.com", "a%41.com", "a b", "[::1]"]) expect(codeOf(bad)).toBe("NETPERM_NAME");
    expect(codeOf("a\u0000b")).toBe("NETPERM_CHAR");
  });

  it("refuses names that fail IDNA, and fullwidth characters that map to URL delimiters", () => {
    expect(codeOf("xn--a.com")).toBe("NETPERM_NAME");
    expect(codeOf("ａ／b.com")).toBe("NETPERM_NAME");
  });

  it("locates the offending character in the name", () => {
    try {
      canonicalName("good.ba$d.com");
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: "NETPERM_NAME", input: "good.ba$d.com", offset: 7, length: 1 });
    }
  });

  it("is idempotent, and every spelling of a name canonicalises alike (property, seed 42)", () => {
    fc.assert(
      fc.property(nameArb.chain((n) => fc.tuple(fc.constant(n), nameSpellingArb(n))), ([name, spelling]) => {
        expect(canonicalName(spelling)).toBe(name);
        expect(canonicalName(name)).toBe(name);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
