import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ipv4Spellings, ipv6Spellings, nameTextArb } from "../../test/arbitraries.js";
import { fastIpv4, fastName, readAddress, readHost } from "./lookup-key.js";
import { ipv4ToInt, parseIp } from "../grammar/ip.js";
import { fastCanonicalIpv6, textToWords } from "./ipv6-words.js";
import { canonicalName } from "../grammar/names.js";

/** What the slow path says: canonical name, or undefined when canonicalName throws. */
function slowName(text: string): string | undefined {
  try {
    return canonicalName(text);
  } catch {
    return undefined;
  }
}

describe("fast IPv4", () => {
  it("reads a plain dotted quad", () => {
    expect(fastIpv4("10.0.0.1")).toBe(0x0a000001);
    expect(fastIpv4("255.255.255.255")).toBe(0xffffffff);
    expect(fastIpv4("0.0.0.0")).toBe(0);
  });
  it("leaves every other spelling to the slow path", () => {
    for (const s of ["010.0.0.1", "127.1", "0x7f000001", "2130706433", "1.2.3.256", "1.2.3.4.", "1.2.3", "1..2.3", " 1.2.3.4", "1.2.3.4.5"]) {
      expect(fastIpv4(s), s).toBe(-1);
    }
  });
  it("agrees with parseIp wherever it answers", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (n) => {
        for (const s of ipv4Spellings(n)) {
          const fast = fastIpv4(s);
          if (fast >= 0) expect(fast).toBe(n);
          expect(readAddress(s)).toMatchObject({ family: "ipv4", key: n, text: parseIp(s)!.text });
        }
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe("fast canonical IPv6", () => {
  const words = (s: string) => fastCanonicalIpv6(s, 0, s.length);
  it("reads canonical text", () => {
    expect(words("::1")).toEqual([0, 0, 0, 1]);
    expect(words("::")).toEqual([0, 0, 0, 0]);
    expect(words("2001:db8::1")).toEqual([0x20010db8, 0, 0, 1]);
    expect(words("fe80::")).toEqual([0xfe800000, 0, 0, 0]);
    expect(words("1:0:0:2::3")).toEqual([0x00010000, 0x00000002, 0, 3]);
  });
  it("leaves non-canonical text to the slow path", () => {
    for (const s of ["0::1", "2001:DB8::1", "2001:0db8::1", "1:0:0:0:0:0:0:1", "1::0:1:0:0:0", "::ffff:1.2.3.4", "fe80::1%eth0", ":1::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "::g"]) {
      expect(words(s), s).toBeUndefined();
    }
  });
  it("agrees with parseIp on every spelling of random addresses", () => {
    const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(groups, (g) => {
        for (const s of ipv6Spellings(g)) {
          const slow = parseIp(s)!;
          const fast = fastCanonicalIpv6(s, 0, s.length);
          if (fast !== undefined) expect(s).toBe(slow.text);
          if (slow.family === "ipv6" && s === slow.text) expect(fast).toEqual(textToWords(slow.text));
          const read = readAddress(s)!;
          expect(read.text).toBe(slow.text);
          if (read.family === "ipv4") expect(read.key).toBe(ipv4ToInt(slow.text));
          else expect(read.key).toEqual(textToWords(slow.text));
        }
      }),
      { seed: 12, numRuns: 500 },
    );
  });
  it("reads nothing but canonical text, on strings of IPv6 characters", () => {
    const text = fc.array(fc.constantFrom(..."::::00123456789abcdefA."), { minLength: 2, maxLength: 39 }).map((cs) => cs.join(""));
    fc.assert(
      fc.property(text, (s) => {
        const fast = fastCanonicalIpv6(s, 0, s.length);
        if (fast === undefined) return;
        const slow = parseIp(s);
        expect(slow?.family).toBe("ipv6");
        expect(s).toBe(slow!.text);
        expect(fast).toEqual(textToWords(slow!.text));
      }),
      { seed: 13, numRuns: 3000 },
    );
  });
  it("reads IPv4-mapped IPv6 as the IPv4, in brackets too", () => {
    expect(readAddress("[::ffff:7f00:1]")).toMatchObject({ family: "ipv4", text: "127.0.0.1", key: 0x7f000001 });
    expect(readHost("::ffff:127.0.0.1")).toMatchObject({ family: "ipv4", text: "127.0.0.1" });
  });
  it("keeps a zone for binding, outside the key", () => {
    expect(readAddress("fe80::1%eth0")).toMatchObject({ family: "ipv6", text: "fe80::1", zone: "eth0" });
  });
});

describe("fast names", () => {
  it("agrees with canonicalName wherever it answers", () => {
    const text = fc.oneof(nameTextArb, fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}$/), fc.constantFrom("xn--bcher-kva.example", "ab--cd.com", "a.0x1f", "a.b1", "-a.com", "a-.com", "a..b", "."));
    fc.assert(
      fc.property(text, (s) => {
        const fast = fastName(s);
        if (fast !== undefined) expect(fast).toBe(slowName(s));
        const slow = slowName(s);
        if (slow !== undefined) expect(readHost(s)).toEqual({ kind: "name", name: slow });
        else expect(readHost(s)?.kind).not.toBe("name");
      }),
      { seed: 13, numRuns: 1000 },
    );
  });
  it("lower-cases and drops one trailing dot", () => {
    expect(fastName("WWW.Example.COM.")).toBe("www.example.com");
    expect(fastName("example.com..")).toBeUndefined();
  });
  it("never treats a numeric host as a name", () => {
    expect(readHost("example.123")).toBeUndefined();
    expect(readHost("127.1")).toMatchObject({ kind: "address", text: "127.0.0.1" });
    expect(readHost("a.0x10")).toBeUndefined();
    expect(readHost("0x10.0x20")).toMatchObject({ kind: "address", text: "16.0.0.32" });
  });
  it("reads hostile names safely", () => {
    expect(readHost("__proto__")).toEqual({ kind: "name", name: "__proto__" });
    expect(readHost("a\u0000b.com")).toBeUndefined();
    expect(readHost("a".repeat(1_000_000))).toBeUndefined();
    expect(readHost(`${"a.".repeat(300)}com`)).toBeUndefined();
    expect(readHost("")).toBeUndefined();
  });
  it("reads internationalised names through IDNA", () => {
    expect(readHost("Bücher.Example.")).toEqual({ kind: "name", name: "xn--bcher-kva.example" });
  });
});
