/**
 * Where a wasi:http request may connect, for answers given by hand: every
 * answer is decided as an address and only the allowed ones (after any
 * mapping) are where the request goes, whatever the scheme. No network:
 * only the decision (http-pin.ts does the pinning, http-by-address.test.ts
 * runs it).
 */
import { parsePolicy, type Decision } from "@netperm/core";
import { describe, expect, it } from "vitest";
import { Guard } from "../src/index.js";
import type { NameAnswers } from "../src/http-resolve.js";
import { httpTarget } from "../src/http-target.js";

function target(flags: string[], answers: NameAnswers, host = "api.example") {
  const audit: Decision[] = [];
  const guard = new Guard(parsePolicy(flags), { audit: (r) => audit.push(r.decision) });
  return { to: httpTarget(guard, () => answers, host, 8080), audit };
}
const answers = (addresses: string[]): NameAnswers => ({ ok: true, addresses });

describe("httpTarget for a named authority", () => {
  it("goes to every answer when all are allowed, in the lookup's order, each decided and audited", () => {
    const { to, audit } = target(["--allow-outbound=tcp://*:*"], answers(["127.0.0.2", "::1", "127.0.0.1"]));
    expect(to).toEqual({ ok: true, to: { addresses: ["127.0.0.2", "::1", "127.0.0.1"], port: 8080 } });
    expect(audit.map((d) => [d.host, d.allowed])).toEqual([
      ["api.example", true],
      ["127.0.0.2", true],
      ["::1", true],
      ["127.0.0.1", true],
    ]);
  });

  it("leaves a denied answer out, so the request can never connect there", () => {
    const { to, audit } = target(["--allow-outbound=tcp://*:*", "--deny-outbound=tcp://127.0.0.1/32:*"], answers(["127.0.0.1", "127.0.0.3"]));
    expect(to).toEqual({ ok: true, to: { addresses: ["127.0.0.3"], port: 8080 } });
    expect(audit.map((d) => [d.host, d.allowed, d.reason])).toEqual([
      ["api.example", true, "allowed"],
      ["127.0.0.1", false, "denied-by-rule"],
      ["127.0.0.3", true, "allowed"],
    ]);
  });

  it("is refused when every answer is denied", () => {
    expect(target(["--allow-outbound=tcp://*:*", "--deny-outbound=tcp://127.0.0.0/8:*"], answers(["127.0.0.1", "127.0.0.3"])).to).toEqual({
      ok: false,
      error: { tag: "HTTP-request-denied" },
    });
  });

  it("is refused, with no lookup, when the name is denied", () => {
    let asked = 0;
    const guard = new Guard(parsePolicy(["--allow-outbound=tcp://other.example:*"]));
    expect(httpTarget(guard, () => (asked++, answers(["127.0.0.1"])), "api.example", 8080)).toEqual({ ok: false, error: { tag: "HTTP-request-denied" } });
    expect(asked).toBe(0);
  });

  it("a connect mapping on an answer sends the request to the mapped address and port", () => {
    const { to } = target(["--allow-outbound=tcp://api.example:8080", "--allow-outbound=tcp://127.0.0.1->127.0.0.9:8080->9090"], answers(["127.0.0.1"]));
    expect(to).toEqual({ ok: true, to: { addresses: ["127.0.0.9"], port: 9090 } });
  });

  it("a name that gave no usable answer is a DNS-error with the lookup's code", () => {
    const { to } = target(["--allow-outbound=tcp://*:*"], { ok: false, denied: false, code: "name-unresolvable" });
    expect(to).toEqual({ ok: false, error: { tag: "DNS-error", val: { rcode: "name-unresolvable", infoCode: undefined } } });
  });
});

describe("httpTarget for an address", () => {
  it("goes to the address itself, read in any spelling the URL parser takes", () => {
    for (const host of ["127.0.0.1", "2130706433", "127.1", "0x7f.0.0.1"]) {
      expect(target(["--allow-outbound=tcp://127.0.0.1:8080"], answers([]), host).to).toEqual({ ok: true, to: { addresses: ["127.0.0.1"], port: 8080 } });
    }
  });

  it("is refused when denied, and goes to the mapped endpoint when mapped", () => {
    expect(target(["--allow-outbound=tcp://127.0.0.2:8080"], answers([]), "127.0.0.1").to).toEqual({ ok: false, error: { tag: "HTTP-request-denied" } });
    expect(target(["--allow-outbound=tcp://127.0.0.1->127.0.0.9:8080->9090"], answers([]), "127.0.0.1").to).toEqual({ ok: true, to: { addresses: ["127.0.0.9"], port: 9090 } });
  });
});
