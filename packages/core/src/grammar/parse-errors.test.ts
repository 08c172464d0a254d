import { describe, expect, it } from "vitest";
import { formatError, NetpermError } from "./errors.js";
import type { FlagKind } from "./flags.js";
import { checkPolicy, parsePolicy, parseRule } from "./parse.js";

function errorOf(kind: FlagKind, value: string): NetpermError {
  try {
    parseRule(kind, value);
  } catch (e) {
    if (e instanceof NetpermError) return e;
    throw e;
  }
  throw new Error(`--${kind}=${value} parsed without an error`);
}

/**
 * [kind, value, code, the wrong part as it appears in the value, message, opts].
 * The expected offset is where `part` is first found in the value (the last
 * place with `last`; `offset` in the value when given); the expected length
 * is `part.length` unless `length` is given.
 */
interface Where {
  readonly last?: boolean;
  readonly offset?: number;
  readonly length?: number;
}
type Case = [FlagKind, string, string, string, RegExp, Where?];
const CASES: Case[] = [
  ["allow-outbound", "tcp://*:35999-35000", "NETPERM_PORT_RANGE", "35999-35000", /port range is reversed/],
  ["allow-outbound", "tcp://a..b", "NETPERM_LABEL", ".", /empty label/, { last: true }],
  ["allow-outbound", "tcp://.a.com", "NETPERM_LABEL", ".", /empty label/],
  ["allow-outbound", `tcp://${"a".repeat(64)}.com`, "NETPERM_LABEL", "a".repeat(64), /64 characters long; at most 63/],
  ["allow-resolve", `${"a.".repeat(126)}ab`, "NETPERM_NAME", `${"a.".repeat(126)}ab`, /254 characters long; at most 253/],
  ["allow-resolve", "-a.example.com", "NETPERM_LABEL", "-a", /start or end with '-'/],
  ["allow-outbound", "tcp://ex*mple.com", "NETPERM_WILDCARD", "*", /whole first label/],
  ["allow-outbound", "tcp://*.*.x", "NETPERM_WILDCARD", "*", /only the first label/, { last: true }],
  ["allow-resolve", "*example.com", "NETPERM_WILDCARD", "*", /whole first label/],
  ["allow-resolve", "*.", "NETPERM_WILDCARD", "*.", /whole first label/],
  ["allow-resolve", "*.10.0.0.1", "NETPERM_WILDCARD", "10.0.0.1", /must be a name/],
  ["allow-outbound", "tcp://1.2.3.256:80", "NETPERM_IP", "1.2.3.256", /not a valid IPv4 address/],
  ["allow-outbound", "tcp://example.123", "NETPERM_IP", "example.123", /not a valid IPv4 address/],
  ["allow-outbound", "tcp://[::g]:80", "NETPERM_IP", "[::g]", /not a valid IPv6 address/],
  ["allow-outbound", "tcp://[1:2:3:4:5:6:7:8:9]", "NETPERM_IP", "[1:2:3:4:5:6:7:8:9]", /not a valid IPv6 address/],
  ["allow-outbound", "tcp://[1.2.3.4]:80", "NETPERM_IP", "[1.2.3.4]", /brackets hold an IPv6 address/],
  ["allow-outbound", "tcp://[::1:80", "NETPERM_IP", "[::1:80", /missing \]/],
  ["allow-outbound", "tcp://::1:80", "NETPERM_IP", "::1:80", /without brackets/],
  ["allow-outbound", "tcp://1.2.3.4/33", "NETPERM_CIDR", "/33", /\/33 is longer than 32 bits/],
  ["allow-outbound", "tcp://[::1]/129", "NETPERM_CIDR", "/129", /\/129 is longer than 128 bits/],
  ["allow-outbound", "tcp://1.2.3.4/", "NETPERM_CIDR", "/", /prefix length is a number/, { last: true }],
  ["allow-outbound", "tcp://1.2.3.4/x", "NETPERM_CIDR", "/x", /prefix length is a number/],
  ["allow-outbound", "tcp://[::ffff:1.2.3.4]/64", "NETPERM_CIDR", "/64", /at least \/96/],
  ["allow-outbound", "tcp://*:65536", "NETPERM_PORT", "65536", /65536 is out of range 0\.\.65535/],
  ["allow-outbound", "tcp://*:80,,443", "NETPERM_PORT", ",", /empty item/, { last: true }],
  ["allow-outbound", "tcp://*:80,", "NETPERM_PORT", ",", /empty item/, { last: true }],
  ["allow-outbound", "tcp://*:", "NETPERM_PORT", "", /missing port/, { offset: 8 }],
  ["allow-outbound", "tcp://*:http", "NETPERM_PORT", "http", /a port is a number/, { last: true }],
  ["allow-outbound", "tcp://*:80,*", "NETPERM_PORT", "*", /can not be part of a port list/, { last: true }],
  ["allow-outbound", "tcp://*:-5", "NETPERM_PORT", "", /missing port/, { offset: 8 }],
  ["allow-outbound", "", "NETPERM_EMPTY", "", /empty rule/, { offset: 0 }],
  ["allow-resolve", "", "NETPERM_EMPTY", "", /empty rule/, { offset: 0 }],
  ["allow-outbound", "ftp://example.com", "NETPERM_SCHEME", "ftp", /unknown scheme/],
  ["allow-outbound", "example.com:80", "NETPERM_SCHEME", "example.com", /starts with tcp:\/\/ or udp:\/\//],
  ["allow-outbound", "tcp://x#ipv5-only", "NETPERM_FAMILY", "#ipv5-only", /unknown family/],
  ["allow-outbound", "tcp://x#ipv4-only#ipv6-only", "NETPERM_FAMILY", "#ipv4-only#ipv6-only", /one family/],
  ["allow-resolve", "x#", "NETPERM_FAMILY", "#", /unknown family/],
  ["allow-outbound", "tcp://127.0.0.1:80#ipv6-only", "NETPERM_FAMILY", "#ipv6-only", /address is IPv4 but the rule is #ipv6-only/],
  ["allow-resolve", "db->::1#ipv4-only", "NETPERM_FAMILY", "#ipv4-only", /mapped address is IPv6/],
  ["allow-outbound", "tcp://a\u0000b", "NETPERM_CHAR", "\u0000", /NUL byte/],
  ["allow-outbound", "tcp://a\nb", "NETPERM_CHAR", "\n", /control character U\+000a/],
  ["allow-outbound", "tcp://a b", "NETPERM_CHAR", " ", /a space/],
  ["allow-outbound", "tcp://a\u0085b", "NETPERM_CHAR", "\u0085", /control character U\+0085/],
  ["deny-outbound", "tcp://db->1.2.3.4", "NETPERM_MAP", "->", /deny rules take no mappings/],
  ["deny-inbound", "tcp://*:80->8080", "NETPERM_MAP", "->", /deny rules take no mappings/],
  ["deny-resolve", "db->1.2.3.4", "NETPERM_MAP", "->", /deny rules take no mappings/],
  ["allow-outbound", "tcp://*:80,443->8080", "NETPERM_MAP", "80,443", /single port or one range/],
  ["allow-outbound", "tcp://*:*->8080", "NETPERM_MAP", "*", /single port or one range/, { last: true }],
  ["allow-outbound", "tcp://*:80-81->90", "NETPERM_MAP", "90", /same length/],
  ["allow-outbound", "tcp://*:0->90", "NETPERM_MAP", "0->90", /port 0 can not be mapped/],
  ["allow-outbound", "tcp://*.x.com->1.2.3.4", "NETPERM_MAP", "*.x.com", /exact name or a single IP/],
  ["allow-outbound", "tcp://10.0.0.0/8->1.2.3.4", "NETPERM_MAP", "10.0.0.0/8", /exact name or a single IP/],
  ["allow-outbound", "tcp://db->example.org:80", "NETPERM_IP", "example.org", /not an IP address/],
  ["allow-outbound", "tcp://db->8080", "NETPERM_MAP", "8080", /0\.0\.0\.0\/8/],
  ["allow-outbound", "tcp://db->:80", "NETPERM_MAP", "", /missing address/, { offset: 10 }],
  ["allow-inbound", "tcp://db.->1.2.3.4:80", "NETPERM_MAP", "->", /inbound rules map ports only/],
  ["allow-resolve", "*.x.com->1.2.3.4", "NETPERM_MAP", "*.x.com", /only an exact name/],
  ["allow-resolve", "db->", "NETPERM_MAP", "", /missing address/, { offset: 4 }],
  ["allow-resolve", "db->1.2.3.4,", "NETPERM_MAP", "", /missing address/, { offset: 12 }],
  ["allow-resolve", "10.0.0.1", "NETPERM_HOST", "10.0.0.1", /an IP address needs no lookup/],
  ["allow-resolve", "tcp://example.com", "NETPERM_HOST", "tcp://", /not a URL/],
  ["allow-outbound", "tcp://:80", "NETPERM_HOST", "", /missing host/, { offset: 6 }],
  ["allow-outbound", "tcp://...:80", "NETPERM_HOST", ":80", /takes nothing after it/],
  ["allow-outbound", "tcp://[::1]x:80", "NETPERM_HOST", "x", /unexpected 'x'/],
  ["allow-inbound", `tcp://${"e".repeat(64)}`, "NETPERM_HOST", "e".repeat(64), /interface name is longer than 63/],
  ["allow-outbound", "tcp://exa$mple.com", "NETPERM_NAME", "$", /'\$' is not allowed in a DNS name/],
  ["allow-outbound", "tcp://user@example.com", "NETPERM_NAME", "@", /'@' is not allowed/],
  ["allow-resolve", "xn--a.com", "NETPERM_NAME", "xn--a.com", /IDNA/],
];

describe("parse errors: code, offset, length and message", () => {
  it.each(CASES)("--%s=%j is %s", (kind, value, code, part, message, where = {}) => {
    const flag = `--${kind}=${value}`;
    const base = kind.length + 3;
    const err = errorOf(kind, value);
    expect(err.code).toBe(code);
    expect(err.input).toBe(flag);
    expect(err.message).toMatch(message);
    const inValue = where.offset ?? (where.last === true ? value.lastIndexOf(part) : value.indexOf(part));
    expect(inValue).toBeGreaterThanOrEqual(0);
    expect(err.offset).toBe(base + inValue);
    expect(err.length).toBe(where.length ?? part.length);
    expect(formatError(err).split("\n")[0]).toBe(`netperm: ${code}: ${err.message}`);
  });
});

describe("the caret frame", () => {
  it("prints docs/design.md, Grammar's example exactly", () => {
    const err = errorOf("allow-outbound", "tcp://*:35999-35000");
    const design = [
      "netperm: NETPERM_PORT_RANGE: port range is reversed",
      "  --allow-outbound=tcp://*:35999-35000",
      "                           ^^^^^^^^^^^",
    ].join("\n");
    expect(formatError(err)).toBe(`${design}\n  hint: write the low port first: 35000-35999`);
    expect(formatError(new NetpermError(err.code, err.message, { input: err.input, offset: err.offset, length: err.length }))).toBe(design);
  });

  it("shows a NUL byte as a control picture, one column wide, with the caret under it", () => {
    const lines = formatError(errorOf("allow-outbound", "tcp://a\u0000b")).split("\n");
    expect(lines[1]).toBe("  --allow-outbound=tcp://a\u2400b");
    expect(lines[2]).toBe(`  ${" ".repeat("--allow-outbound=tcp://a".length)}^`);
  });
});

describe("hostile input", () => {
  it("refuses 10^6 commas as too long, pointing just past the limit", () => {
    const err = errorOf("allow-outbound", `tcp://*:${",".repeat(1_000_000)}`);
    expect(err.code).toBe("NETPERM_TOO_LONG");
    expect(err.offset).toBe("--allow-outbound=".length + 4096);
    const frame = formatError(err).split("\n");
    expect(frame[1]!.length).toBeLessThan(130);
    expect(frame[2]!.trimStart()).toMatch(/^\^+$/);
  });

  it("refuses a 1 MB flag before looking at its characters (NUL bytes included)", () => {
    expect(errorOf("allow-resolve", "\u0000".repeat(1 << 20)).code).toBe("NETPERM_TOO_LONG");
  });

  it("accepts a rule of exactly 4096 characters and refuses 4097", () => {
    const ports = (n: number): string => {
      let s = "tcp://*:1";
      while (s.length < n) s += s.length + 2 <= n ? ",1" : "1";
      return s;
    };
    expect(ports(4096)).toHaveLength(4096);
    expect(() => parseRule("allow-outbound", ports(4096))).not.toThrow();
    expect(errorOf("allow-outbound", ports(4097)).code).toBe("NETPERM_TOO_LONG");
  });

  it("refuses 300-label names", () => {
    expect(errorOf("allow-resolve", "a.".repeat(300) + "com").code).toBe("NETPERM_NAME");
  });

  it("refuses an unknown flag kind passed from JavaScript", () => {
    expect(errorOf("allow-net" as FlagKind, "tcp://x").code).toBe("NETPERM_FLAG");
  });

  it("refuses a rule value that is not a string", () => {
    expect(errorOf("allow-outbound", 42 as unknown as string).code).toBe("NETPERM_ARGUMENT");
  });
});

describe("errors in a policy say where the flag was", () => {
  it("names the argument of a bad flag", () => {
    const result = checkPolicy(["--allow-outbound=tcp://*:80", "--deny-outbound", "tcp://*:70000"]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("NETPERM_PORT");
    expect(result.error.where).toBe("argv[1]");
    expect(result.error.input).toBe("--deny-outbound=tcp://*:70000");
    expect(formatError(result.error)).toContain("\n  in argv[1]");
  });

  it("names the document path of a bad rule", () => {
    expect(() => parsePolicy({ deny: { resolve: ["ok.example", "a..b"] } })).toThrow(
      expect.objectContaining({ code: "NETPERM_LABEL", where: "deny.resolve[1]", input: "--deny-resolve=a..b" }),
    );
  });
});
