/**
 * The dotted-quad fast path of the IPv4 parser agrees with the WHATWG URL
 * host parser (the reference for every IPv4 spelling) on texts made of the
 * characters a quad is made of, and returns the canonical text unchanged.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ipv4ToInt, parseIp, parseIpv4Number } from "./ip.js";

/** The value the URL parser gives `text` as a host, when it is an IPv4 address. */
function byUrl(text: string): number | undefined {
  try {
    const host = new URL(`http://${text}/`).hostname;
    return /^\d+\.\d+\.\d+\.\d+$/.test(host) ? ipv4ToInt(host) : undefined;
  } catch {
    return undefined;
  }
}

const digitsAndDots = fc.array(fc.constantFrom(..."0123456789.."), { maxLength: 18 }).map((cs) => cs.join(""));
const nearQuads = fc
  .tuple(fc.array(fc.nat({ max: 300 }), { minLength: 1, maxLength: 5 }), fc.array(fc.constantFrom("", "0", "00"), { minLength: 5, maxLength: 5 }), fc.boolean())
  .map(([parts, zeros, trailingDot]) => parts.map((p, i) => `${zeros[i]}${p}`).join(".") + (trailingDot ? "." : ""));

describe("parseIpv4Number", () => {
  it("agrees with the URL host parser on digits and dots, quads with leading zeros, parts past 255 and trailing dots", () => {
    fc.assert(
      fc.property(fc.oneof(digitsAndDots, nearQuads), (text) => {
        expect(parseIpv4Number(text)).toBe(byUrl(text));
      }),
      { seed: 4242, numRuns: 5000 },
    );
  });

  it("named examples: canonical, leading zero (octal), a part past 255, too many parts, empty parts", () => {
    expect(parseIpv4Number("127.0.0.1")).toBe(0x7f000001);
    expect(parseIpv4Number("255.255.255.255")).toBe(0xffffffff);
    expect(parseIpv4Number("0.0.0.0")).toBe(0);
    expect(parseIpv4Number("010.0.0.1")).toBe(0x08000001);
    expect(parseIpv4Number("256.0.0.1")).toBeUndefined();
    expect(parseIpv4Number("1.2.3.4.5")).toBeUndefined();
    expect(parseIpv4Number("1..2.3")).toBeUndefined();
    expect(parseIpv4Number("1.2.3.4.")).toBe(0x01020304);
  });
});

describe("parseIp on a canonical quad", () => {
  it("gives the text back as the canonical form", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (n) => {
        const text = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
        expect(parseIp(text)).toEqual({ family: "ipv4", text });
      }),
      { seed: 4243, numRuns: 2000 },
    );
  });
});
