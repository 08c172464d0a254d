/**
 * wasi:http/outgoing-handler under the guard, driven from the host side with
 * the shim's genuine request objects (the call a componentize-js guest's
 * fetch() makes; fetch.test.ts runs such a guest). The server runs in a
 * worker: the shim blocks this thread while it waits.
 */
import { http } from "@bytecodealliance/preview2-shim";
import { parsePolicy, type Decision } from "@netperm/core";
import { describe, expect, it } from "vitest";
import { Guard, guardedHttp, splitAuthority } from "../src/index.js";
import { freePort } from "./helpers/peers.js";
import { trackPeers } from "./helpers/tracked.js";

const peers = trackPeers();
/* eslint-disable @typescript-eslint/no-explicit-any */
const types = (http as any).types;

function request(authority: string, scheme: "HTTP" | "HTTPS"): any {
  const req = new types.OutgoingRequest(new types.Fields());
  req.setScheme({ tag: scheme });
  req.setAuthority(authority);
  req.setPathWithQuery("/");
  return req;
}

interface Sent {
  audit: Decision[];
  outcome: { status?: number; error?: unknown };
  /** The authority the request left with (what the shim's worker connected to). */
  sentTo?: string;
}

/** Sends a raw HTTP/1.1 GET through the guarded handler; resolves to the status or the error code. */
function send(flags: string[], authority: string, scheme: "HTTP" | "HTTPS" = "HTTP"): Sent {
  const audit: Decision[] = [];
  const handler = guardedHttp(new Guard(parsePolicy(flags), { audit: (r) => audit.push(r.decision) }));
  let req: any;
  const sent = (outcome: Sent["outcome"]): Sent => ({ audit, outcome, sentTo: req?.authority() });
  try {
    req = request(authority, scheme);
    const body = req.body();
    types.OutgoingBody.finish(body, undefined);
    const future = handler.outgoingHandler.handle(req, undefined) as any;
    let got = future.get();
    for (let i = 0; got === undefined && i < 200; i++) {
      future.subscribe().block();
      got = future.get();
    }
    // some(ok(ok(response))) or some(ok(err(code))): a refusal arrives through the future.
    if (got?.tag === "ok" && got.val.tag === "err") return sent({ error: got.val.val });
    return sent({ status: got?.val?.val?.status() });
  } catch (error) {
    return sent({ error });
  }
}

describe("wasi:http outgoing-handler", () => {
  it("splits authorities with the scheme's default port", () => {
    expect(splitAuthority("example.com", "http")).toEqual({ host: "example.com", port: 80 });
    expect(splitAuthority("example.com", "https")).toEqual({ host: "example.com", port: 443 });
    expect(splitAuthority("[::1]:8080", "http")).toEqual({ host: "::1", port: 8080 });
    expect(splitAuthority("a:b:c", "http")).toBeUndefined();
    expect(splitAuthority("h:99999", "http")).toBeUndefined();
  });

  it("an allowed request reaches the loopback server", async () => {
    const server = await peers.httpServer();
    const { audit, outcome } = send([`--allow-outbound=tcp://127.0.0.1:${server.port}`], `127.0.0.1:${server.port}`);
    expect(outcome).toEqual({ status: 200 });
    expect(audit).toMatchObject([{ allowed: true, op: "connect", protocol: "tcp", host: "127.0.0.1", port: server.port }]);
    expect((await server.stats()).connections).toBe(1);
  });

  it("a denied request is HTTP-request-denied and the server sees nothing", async () => {
    const server = await peers.httpServer();
    const { audit, outcome } = send([`--allow-outbound=tcp://127.0.0.1:${server.port === 1 ? 2 : 1}`], `127.0.0.1:${server.port}`);
    expect(outcome).toEqual({ error: { tag: "HTTP-request-denied" } });
    expect(audit[0]).toMatchObject({ allowed: false, reason: "no-rule" });
    expect((await server.stats()).connections).toBe(0);
  });

  it("a named authority is decided by name, and a mapping redirects the request", async () => {
    const server = await peers.httpServer();
    const { audit, outcome } = send([`--allow-outbound=tcp://api.internal->127.0.0.1:80->${server.port}`], "api.internal");
    expect(outcome).toEqual({ status: 200 });
    expect(audit[0]).toMatchObject({ allowed: true, host: "api.internal", port: 80, mapped: { host: "127.0.0.1", port: server.port } });
    expect((await server.stats()).connections).toBe(1);
  });

  it("without any tcp rule, every request is denied", async () => {
    const port = await freePort();
    const { outcome } = send(["--allow-resolve=*"], `127.0.0.1:${port}`);
    expect(outcome).toEqual({ error: { tag: "HTTP-request-denied" } });
  });

  it("a refusal is a ready future of the shim's class: get() gives the code once, then the WIT's already-taken err", () => {
    const handler = guardedHttp(new Guard(parsePolicy(["--allow-resolve=*"])));
    const req = request("127.0.0.1:9", "HTTP");
    const future = handler.outgoingHandler.handle(req, undefined) as any;
    expect(future).toBeInstanceOf(types.FutureIncomingResponse);
    future.subscribe().block();
    expect(future.get()).toEqual({ tag: "ok", val: { tag: "err", val: { tag: "HTTP-request-denied" } } });
    expect(future.get()).toEqual({ tag: "err", val: undefined });
  });

  it("a named http authority whose answers are all allowed keeps the name (Host stays the name, as without netperm)", async () => {
    const server = await peers.httpServer();
    const { audit, outcome, sentTo } = send([`--allow-outbound=tcp://localhost:${server.port}`], `localhost:${server.port}`);
    expect(outcome).toEqual({ status: 200 });
    expect(sentTo).toBe(`localhost:${server.port}`);
    expect(audit.map((e) => [e.op, e.host, e.allowed])).toEqual([
      ["connect", "localhost", true],
      ["connect", "127.0.0.1", true],
    ]);
    expect((await server.stats()).connections).toBe(1);
  });

  it("a name netperm answers by a resolve mapping never reaches the shim, https too (its worker would look the name up again)", () => {
    for (const scheme of ["HTTP", "HTTPS"] as const) {
      const { sentTo } = send(["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->127.0.0.1"], "api.internal:9", scheme);
      expect(sentTo).toBe("127.0.0.1:9");
    }
  });

  it("https needs every answer allowed (the shim's worker picks the address): one denied answer refuses it, nothing is sent", async () => {
    const server = await peers.httpServer("127.0.0.3");
    const flags = ["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->127.0.0.1,127.0.0.3", "--deny-outbound=tcp://127.0.0.1/32:*"];
    const { audit, outcome } = send(flags, `api.internal:${server.port}`, "HTTPS");
    expect(outcome).toEqual({ error: { tag: "HTTP-request-denied" } });
    expect(audit.map((e) => [e.host, e.allowed])).toEqual([
      ["api.internal", true],
      ["127.0.0.1", false],
    ]);
    expect((await server.stats()).connections).toBe(0);
  });

  it("https with every answer allowed keeps the name in the authority (the shim checks the certificate against it)", () => {
    // Nothing listens for TLS here: only where the request left for is checked; 127.0.0.1:9 refuses.
    const { audit, sentTo } = send(["--allow-outbound=tcp://localhost:9"], "localhost:9", "HTTPS");
    expect(sentTo).toBe("localhost:9");
    expect(audit.map((e) => [e.host, e.allowed])).toEqual([
      ["localhost", true],
      ["127.0.0.1", true],
    ]);
  });

  it("a name with no answer of its rule's family is DNS-error (wasmtime's code for a failed lookup), not a denial", () => {
    const { outcome, audit } = send(["--allow-outbound=tcp://localhost:9#ipv6-only"], "localhost:9");
    expect(outcome).toEqual({ error: { tag: "DNS-error", val: { rcode: "name-unresolvable", infoCode: undefined } } });
    expect(audit).toHaveLength(1);
  });

  it("a name whose only allowed answer is IPv6 is refused: the shim's authority cannot carry an IPv6 address", () => {
    const { outcome } = send(["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->[::1]"], "api.internal:9");
    expect(outcome).toMatchObject({ error: { tag: "internal-error", val: expect.stringContaining("IPv4 only") } });
  });
});
