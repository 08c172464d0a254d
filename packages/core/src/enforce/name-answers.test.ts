/**
 * Where a granted name's answers come from, and which of them are usable:
 * the one reading of a policy that the proxy and the WASI host share.
 */
import { describe, expect, it } from "vitest";
import { parsePolicy } from "../grammar/parse.js";
import { compile } from "../matcher/compile.js";
import { ResolutionTable } from "../matcher/resolution-table.js";
import { answerSource, usableAnswers } from "./name-answers.js";

function sourceFor(flags: string[], name: string) {
  const c = compile(parsePolicy(flags));
  const byName = c.decide({ op: "connect", protocol: "tcp", host: name, port: 80 });
  expect(byName.allowed).toBe(true);
  return answerSource(c, new ResolutionTable(), name, byName);
}

describe("answerSource", () => {
  it("a connect mapping answers with its address, without DNS", () => {
    expect(sourceFor(["--allow-outbound=tcp://db.internal->127.0.0.5:80"], "db.internal")).toEqual({ kind: "mapped", addresses: ["127.0.0.5"], family: undefined });
  });

  it("a resolve mapping answers with its addresses", () => {
    expect(sourceFor(["--allow-outbound=tcp://api:80", "--allow-resolve=api->127.0.0.1,127.0.0.2"], "api")).toEqual({ kind: "mapped", addresses: ["127.0.0.1", "127.0.0.2"], family: undefined });
  });

  it("a --deny-resolve rule refuses the lookup; no resolve rule at all is a lookup (the outbound grant implies it)", () => {
    expect(sourceFor(["--allow-outbound=tcp://api:80", "--deny-resolve=api"], "api")).toMatchObject({ kind: "denied", decision: { allowed: false, reason: "denied-by-rule" } });
    expect(sourceFor(["--allow-outbound=tcp://api:80"], "api")).toEqual({ kind: "lookup", family: undefined });
  });

  it("the family is the outbound rule's, else the matching resolve rule's", () => {
    expect(sourceFor(["--allow-outbound=tcp://*:80", "--allow-resolve=*.test#ipv4-only"], "api.test")).toEqual({ kind: "lookup", family: "ipv4" });
    expect(sourceFor(["--allow-outbound=tcp://*:80#ipv6-only", "--allow-resolve=*.test#ipv4-only"], "api.test")).toEqual({ kind: "lookup", family: "ipv6" });
  });
});

describe("usableAnswers", () => {
  it("keeps IP texts of the family, canonical and once each, in order", () => {
    expect(usableAnswers(["127.0.0.1", "::1", "127.1", "not an ip"], "ipv4")).toEqual({ addresses: ["127.0.0.1"] });
    expect(usableAnswers(["0:0:0:0:0:0:0:1", "127.0.0.1"], undefined)).toEqual({ addresses: ["::1", "127.0.0.1"] });
  });
});
