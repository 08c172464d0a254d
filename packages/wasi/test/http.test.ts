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

function request(authority: string): any {
  const req = new types.OutgoingRequest(new types.Fields());
  req.setScheme({ tag: "HTTP" });
  req.setAuthority(authority);
  req.setPathWithQuery("/");
  return req;
}

/** Sends a raw HTTP/1.1 GET through the guarded handler; resolves to the status or the thrown error. */
function send(flags: string[], authority: string): { audit: Decision[]; outcome: { status?: number; error?: unknown } } {
  const audit: Decision[] = [];
  const handler = guardedHttp(new Guard(parsePolicy(flags), { audit: (r) => audit.push(r.decision) }));
  try {
    const req = request(authority);
    const body = req.body();
    types.OutgoingBody.finish(body, undefined);
    const future = handler.outgoingHandler.handle(req, undefined) as any;
    let got = future.get();
    for (let i = 0; got === undefined && i < 200; i++) {
      future.subscribe().block();
      got = future.get();
    }
    const response = got?.val?.val;
    return { audit, outcome: { status: response?.status() } };
  } catch (error) {
    return { audit, outcome: { error } };
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
});
