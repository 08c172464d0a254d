/**
 * Where a named wasi:http request is sent, for answers given by hand: the
 * name is kept only when the answers are exactly what the shim's worker
 * would look up itself and every one is allowed; otherwise the request goes
 * to a checked address or is refused. No network: only the decision.
 */
import { parsePolicy, type Decision } from "@netperm/core";
import { describe, expect, it } from "vitest";
import { Guard } from "../src/index.js";
import type { NameAnswers } from "../src/http-resolve.js";
import { httpTarget } from "../src/http-target.js";

function target(flags: string[], answers: NameAnswers, scheme = "http") {
  const audit: Decision[] = [];
  const guard = new Guard(parsePolicy(flags), { audit: (r) => audit.push(r.decision) });
  return { to: httpTarget(guard, () => answers, "api.example", 8080, scheme), audit };
}
const system = (addresses: string[], exact = true): NameAnswers => ({ ok: true, addresses, exact });

describe("httpTarget for a named authority", () => {
  it("keeps the name when every answer is allowed and the worker's lookup gives the same ones", () => {
    for (const scheme of ["http", "https"]) {
      const { to, audit } = target(["--allow-outbound=tcp://*:*"], system(["127.0.0.1", "127.0.0.2"]), scheme);
      expect(to).toEqual({ ok: true, authority: "api.example:8080" });
      expect(audit.map((d) => d.host)).toEqual(["api.example", "127.0.0.1", "127.0.0.2"]);
    }
  });

  it("pins to the first checked IPv4 answer when the answers are not the worker's own (a family filter dropped one, a mapping gave them)", () => {
    for (const scheme of ["http", "https"]) {
      expect(target(["--allow-outbound=tcp://*:*"], system(["127.0.0.2"], false), scheme).to).toEqual({ ok: true, authority: "127.0.0.2:8080" });
    }
  });

  it("http with a denied answer goes to an allowed one; https is refused, since its certificate is for the name", () => {
    const flags = ["--allow-outbound=tcp://*:*", "--deny-outbound=tcp://127.0.0.1/32:*"];
    expect(target(flags, system(["127.0.0.1", "127.0.0.3"])).to).toEqual({ ok: true, authority: "127.0.0.3:8080" });
    expect(target(flags, system(["127.0.0.3", "127.0.0.1"]), "https").to).toEqual({ ok: false, error: { tag: "HTTP-request-denied" } });
  });

  it("a connect mapping on an answer renames it: the mapped address, never the name", () => {
    const { to } = target(["--allow-outbound=tcp://api.example:8080", "--allow-outbound=tcp://127.0.0.1->127.0.0.9:8080->9090"], system(["127.0.0.1"]));
    expect(to).toEqual({ ok: true, authority: "127.0.0.9:9090" });
  });
});
