/**
 * wasi:http/outgoing-handler under the guard, driven from the host side with
 * the shim's genuine request objects (the call a componentize-js guest's
 * fetch() makes; fetch.test.ts runs such a guest). The server runs in a
 * worker: the shim blocks this thread while it waits.
 */
import { http } from "@bytecodealliance/preview2-shim";
import { parsePolicy, type Decision } from "@netperm/core";
import { describe, expect, it } from "vitest";
import { pin } from "../src/http-pin.js";
import { Guard, guardedHttp, splitAuthority } from "../src/index.js";
import { getRequest, sendThrough, stockHandler, type HttpOutcome, type Scheme } from "./guests/shim-http.js";
import { freePort } from "./helpers/peers.js";
import { trackPeers } from "./helpers/tracked.js";

const peers = trackPeers();
/* eslint-disable @typescript-eslint/no-explicit-any */
const types = (http as any).types;

interface Sent {
  audit: Decision[];
  outcome: HttpOutcome;
}

/** Sends a GET through a handler guarded by `flags`. */
function send(flags: string[], authority: string | undefined, scheme: "HTTP" | "HTTPS" | Scheme = "HTTP"): Sent {
  const audit: Decision[] = [];
  const handler = guardedHttp(new Guard(parsePolicy(flags), { audit: (r) => audit.push(r.decision) }));
  return { audit, outcome: sendThrough(handler.outgoingHandler, authority, scheme) };
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
    expect(outcome).toMatchObject({ status: 200, body: "ok" });
    expect(audit).toMatchObject([{ allowed: true, op: "connect", protocol: "tcp", host: "127.0.0.1", port: server.port }]);
    expect(await server.stats()).toMatchObject({ connections: 1, data: [`GET / host=127.0.0.1:${server.port}`] });
  });

  it("a denied request is HTTP-request-denied and the server sees nothing", async () => {
    const server = await peers.httpServer();
    const { audit, outcome } = send([`--allow-outbound=tcp://127.0.0.1:${server.port === 1 ? 2 : 1}`], `127.0.0.1:${server.port}`);
    expect(outcome).toEqual({ error: { tag: "HTTP-request-denied" } });
    expect(audit[0]).toMatchObject({ allowed: false, reason: "no-rule" });
    expect((await server.stats()).connections).toBe(0);
  });

  it("a named authority is decided by name, and a mapping redirects the request: the server sees the name as Host", async () => {
    const server = await peers.httpServer();
    const { audit, outcome } = send([`--allow-outbound=tcp://api.internal->127.0.0.1:80->${server.port}`], "api.internal");
    expect(outcome).toMatchObject({ status: 200, body: "ok" });
    expect(audit[0]).toMatchObject({ allowed: true, host: "api.internal", port: 80, mapped: { host: "127.0.0.1", port: server.port } });
    expect(await server.stats()).toMatchObject({ connections: 1, data: ["GET / host=api.internal"] });
  });

  it("without any tcp rule, every request is denied", async () => {
    const port = await freePort();
    const { outcome } = send(["--allow-resolve=*"], `127.0.0.1:${port}`);
    expect(outcome).toEqual({ error: { tag: "HTTP-request-denied" } });
  });

  it("a refusal is a ready future of the shim's class: get() gives the code once, then the WIT's already-taken err", () => {
    const handler = guardedHttp(new Guard(parsePolicy(["--allow-resolve=*"])));
    const req = getRequest("127.0.0.1:9", "HTTP");
    const future = handler.outgoingHandler.handle(req, undefined) as any;
    expect(future).toBeInstanceOf(types.FutureIncomingResponse);
    future.subscribe().block();
    expect(future.get()).toEqual({ tag: "ok", val: { tag: "err", val: { tag: "HTTP-request-denied" } } });
    expect(future.get()).toEqual({ tag: "err", val: undefined });
  });

  it("a named authority whose answers are all allowed leaves with its name: Host is the name, the connection goes to a checked answer", async () => {
    const server = await peers.httpServer();
    const { audit, outcome } = send([`--allow-outbound=tcp://localhost:${server.port}`], `localhost:${server.port}`);
    expect(outcome).toMatchObject({ status: 200, body: "ok" });
    expect(audit.map((e) => [e.op, e.host, e.allowed])).toEqual([
      ["connect", "localhost", true],
      ["connect", "127.0.0.1", true],
    ]);
    const stats = await server.stats();
    expect(stats.connections).toBe(1);
    expect(stats.data).toEqual([`GET / host=localhost:${server.port}`]);
  });

  it("an allowed request answers exactly as under the shim's own handler: status, headers and body, and the same error for a closed port", async () => {
    const server = await peers.httpServer("127.0.0.1", 0, "a longer body, to compare");
    const flags = ["--allow-outbound=tcp://*:*"];
    for (const authority of [`localhost:${server.port}`, `127.0.0.1:${server.port}`]) {
      const stock = sendThrough(stockHandler, authority, "HTTP");
      expect(stock).toMatchObject({ status: 200, body: "a longer body, to compare" });
      expect(send(flags, authority).outcome).toEqual(stock);
    }
    const closed = await freePort();
    const stock = sendThrough(stockHandler, `127.0.0.1:${closed}`, "HTTP");
    expect(stock).toEqual({ error: { tag: "connection-refused" } });
    expect(send(flags, `127.0.0.1:${closed}`).outcome).toEqual(stock);
    expect(send(flags, `localhost:${closed}`).outcome).toEqual(sendThrough(stockHandler, `localhost:${closed}`, "HTTP"));
  });

  it("a name netperm answers by a resolve mapping reaches the mapped address with Host the name; the shim's worker never looks it up (api.internal resolves nowhere)", async () => {
    const server = await peers.httpServer("127.0.0.2");
    const { outcome } = send(["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->127.0.0.2"], `api.internal:${server.port}`);
    expect(outcome).toMatchObject({ status: 200, body: "ok" });
    expect((await server.stats()).data).toEqual([`GET / host=api.internal:${server.port}`]);
  });

  it("https is pinned too: the connection goes to the checked address, the TLS server name and the certificate check are the name's", async () => {
    const server = await peers.httpsServer("127.0.0.2");
    const { outcome } = send(["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->127.0.0.2"], `api.internal:${server.port}`, "HTTPS");
    expect(outcome).toMatchObject({ status: 200, body: "ok" });
    expect((await server.stats()).data).toEqual([`GET / host=api.internal:${server.port} sni=api.internal`]);
  });

  it("https to a name the certificate does not cover fails the certificate check: pinning does not turn it off", async () => {
    const server = await peers.httpsServer("127.0.0.2");
    const { outcome } = send(["--allow-outbound=tcp://*:*", "--allow-resolve=other.internal->127.0.0.2"], `other.internal:${server.port}`, "HTTPS");
    expect(outcome).toMatchObject({ error: { tag: "internal-error", val: expect.stringMatching(/ERR_TLS_CERT_ALTNAME_INVALID.*other\.internal/) } });
    expect((await server.stats()).data).toEqual([]);
  });

  it("https to a mapped address checks the certificate against the address asked for, not the one connected to", async () => {
    // The certificate names 127.0.0.9 (and api.internal), not 127.0.0.2, where the mapping sends the connection.
    const server = await peers.httpsServer("127.0.0.2");
    const { outcome } = send([`--allow-outbound=tcp://127.0.0.9->127.0.0.2:443->${server.port}`], "127.0.0.9", "HTTPS");
    expect(outcome).toMatchObject({ status: 200, body: "ok" });
    expect((await server.stats()).data).toEqual(["GET / host=127.0.0.9 sni=false"]);
    const unnamed = send([`--allow-outbound=tcp://127.0.0.8->127.0.0.2:443->${server.port}`], "127.0.0.8", "HTTPS").outcome;
    expect(unnamed).toMatchObject({ error: { tag: "internal-error", val: expect.stringMatching(/ERR_TLS_CERT_ALTNAME_INVALID.*127\.0\.0\.8/) } });
  });

  it("https with one denied answer goes to the allowed one only, with the name's certificate check", async () => {
    const server = await peers.httpsServer("127.0.0.3");
    const flags = ["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->127.0.0.1,127.0.0.3", "--deny-outbound=tcp://127.0.0.1/32:*"];
    const { audit, outcome } = send(flags, `api.internal:${server.port}`, "HTTPS");
    expect(outcome).toMatchObject({ status: 200, body: "ok" });
    expect(audit.map((e) => [e.host, e.allowed])).toEqual([
      ["api.internal", true],
      ["127.0.0.1", false],
      ["127.0.0.3", true],
    ]);
    const stats = await server.stats();
    expect(stats.connections).toBe(1);
    expect(stats.data).toEqual([`GET / host=api.internal:${server.port} sni=api.internal`]);
  });

  it("a name with no answer of its rule's family is DNS-error (wasmtime's code for a failed lookup), not a denial", () => {
    const { outcome, audit } = send(["--allow-outbound=tcp://localhost:9#ipv6-only"], "localhost:9");
    expect(outcome).toEqual({ error: { tag: "DNS-error", val: { rcode: "name-unresolvable", infoCode: undefined } } });
    expect(audit).toHaveLength(1);
  });

  it("a name whose only allowed answer is IPv6 reaches the server there (the authority keeps the name)", async () => {
    const server = await peers.httpServer("::1");
    const { outcome } = send(["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->[::1]"], `api.internal:${server.port}`);
    expect(outcome).toMatchObject({ status: 200, body: "ok" });
    expect((await server.stats()).peers[0]).toMatch(/^::1:/);
  });

  it("a kept-alive connection is reused only under the same pin: another instance pinning the same authority elsewhere gets its own", async () => {
    const first = await peers.httpServer("127.0.0.2");
    const second = await peers.httpServer("127.0.0.3", first.port);
    const authority = `api.internal:${first.port}`;
    const a = guardedHttp(new Guard(parsePolicy(["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->127.0.0.2"]))).outgoingHandler;
    const b = guardedHttp(new Guard(parsePolicy(["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->127.0.0.3"]))).outgoingHandler;
    expect(sendThrough(a, authority, "HTTP")).toMatchObject({ status: 200 });
    expect(sendThrough(a, authority, "HTTP")).toMatchObject({ status: 200 });
    expect(sendThrough(b, authority, "HTTP")).toMatchObject({ status: 200 });
    // The shim's own handler, unguarded in the same process, gets none of them: api.internal resolves nowhere.
    expect(sendThrough(stockHandler, authority, "HTTP")).toMatchObject({ error: { tag: "DNS-error" } });
    // a's two requests share one connection (keep-alive, as the shim's agent does); b's went to its own address.
    expect(await first.stats()).toMatchObject({ connections: 1, data: [`GET / host=${authority}`, `GET / host=${authority}`] });
    expect(await second.stats()).toMatchObject({ connections: 1, data: [`GET / host=${authority}`] });
  });

  it("a request with no scheme is https, as the shim sends it and wasmtime reads it: decided on port 443", async () => {
    const server = await peers.httpsServer("127.0.0.2");
    const to443 = send([`--allow-outbound=tcp://api.internal->127.0.0.2:443->${server.port}`], "api.internal", null);
    expect(to443.outcome).toMatchObject({ status: 200, body: "ok" });
    expect(to443.audit[0]).toMatchObject({ allowed: true, host: "api.internal", port: 443 });
    const to80 = send([`--allow-outbound=tcp://api.internal->127.0.0.2:80->${server.port}`], "api.internal", null);
    expect(to80.outcome).toEqual({ error: { tag: "HTTP-request-denied" } });
    expect((await server.stats()).data).toEqual(["GET / host=api.internal sni=api.internal"]);
  });

  it("wasmtime's argument errors come before the policy: another scheme is HTTP-protocol-error, no authority HTTP-request-URI-invalid", () => {
    for (const flags of [["--allow-outbound=tcp://*:*"], ["--allow-resolve=*"]]) {
      const other = send(flags, "127.0.0.1:9", { tag: "other", val: "ftp" });
      expect(other).toEqual({ audit: [], outcome: { error: { tag: "HTTP-protocol-error" } } });
      expect(send(flags, undefined, "HTTP")).toEqual({ audit: [], outcome: { error: { tag: "HTTP-request-URI-invalid" } } });
    }
  });

  it("fails closed in the shim's worker: a request that is not the pinned one, made while a pin is set, is refused, sends nothing, and uses the pin up", async () => {
    const server = await peers.httpServer();
    pin("api.internal:80", 80, { addresses: ["127.0.0.1"], port: server.port });
    const outcome = sendThrough(stockHandler, `127.0.0.1:${server.port}`);
    expect(outcome).toMatchObject({ error: { tag: "internal-error", val: expect.stringContaining("is pinned; refused") } });
    expect((await server.stats()).connections).toBe(0);
    // The pin is gone: the same request goes through.
    expect(sendThrough(stockHandler, `127.0.0.1:${server.port}`)).toMatchObject({ status: 200 });
  });

  it("a request the shim refuses before it reaches its worker (no path: HTTP-request-URI-invalid) leaves no pin behind", async () => {
    const server = await peers.httpServer();
    const handler = guardedHttp(new Guard(parsePolicy(["--allow-outbound=tcp://*:*", "--allow-resolve=api.internal->127.0.0.1"]))).outgoingHandler;
    const request = new types.OutgoingRequest(new types.Fields());
    request.setScheme({ tag: "HTTP" });
    request.setAuthority(`api.internal:${server.port}`);
    types.OutgoingBody.finish(request.body(), undefined);
    expect(() => handler.handle(request, undefined)).toThrow(expect.objectContaining({ tag: "HTTP-request-URI-invalid" }));
    // Another request, unguarded, is not held to the dropped pin.
    expect(sendThrough(stockHandler, `127.0.0.1:${server.port}`)).toMatchObject({ status: 200 });
    expect((await server.stats()).connections).toBe(1);
  });
});
