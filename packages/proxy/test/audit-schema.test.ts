/**
 * Every audit line a real proxy writes is the one audit record of
 * @netperm/core: each line of a run through every front end (allowed,
 * denied, error) validates against `audit-record.schema.json`.
 */
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { createSocket } from "node:dgram";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterEach, describe, expect, it } from "vitest";
import { echoServer, startProxy, until, type EchoServer, type TestProxy } from "./helpers.js";
import { socksRequest } from "./socks-client.js";

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve("@netperm/core/audit-record.schema.json"), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

describe("audit lines", () => {
  let proxy: TestProxy | undefined;
  let echo: EchoServer | undefined;
  afterEach(async () => {
    await proxy?.close();
    await echo?.close();
  });

  it("validate against the core schema for allowed, denied and failed requests through every front end", async () => {
    echo = await echoServer();
    proxy = await startProxy([`--allow-outbound=tcp://127.0.0.1:${echo.port}`, "--allow-outbound=tcp://127.0.0.1:1", "--allow-outbound=tcp://nowhere.example", "--allow-outbound=udp://127.0.0.1"]);
    const p = proxy;
    // SOCKS5 CONNECT: allowed, denied, refused by the target (error), a name that does not resolve (error).
    const allowed = await socksRequest(p.port, 1, "ipv4", "127.0.0.1", echo.port);
    allowed.socket.destroy();
    (await socksRequest(p.port, 1, "ipv4", "127.0.0.2", 80)).socket.destroy();
    (await socksRequest(p.port, 1, "ipv4", "127.0.0.1", 1)).socket.destroy();
    (await socksRequest(p.port, 1, "domain", "nowhere.example", 80)).socket.destroy();
    // BIND (denied: no inbound rule).
    (await socksRequest(p.port, 2, "ipv4", "0.0.0.0", 0)).socket.destroy();
    // HTTP CONNECT allowed and denied; HTTP forward denied.
    for (const head of [`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\n\r\n`, "CONNECT 127.0.0.3:80 HTTP/1.1\r\n\r\n", "GET http://127.0.0.4/ HTTP/1.1\r\nHost: 127.0.0.4\r\n\r\n"]) {
      const { connect } = await import("node:net");
      await new Promise<void>((resolve) => {
        const s = connect({ host: "127.0.0.1", port: p.port }, () => s.write(head));
        s.once("data", () => (s.destroy(), resolve()));
        s.once("error", () => resolve());
      });
    }
    // UDP ASSOCIATE: one allowed datagram, then the association closes.
    const udp = await socksRequest(p.port, 3, "ipv4", "0.0.0.0", 0);
    const relayPort = udp.bindPort;
    const sock = createSocket("udp4");
    const dgram = Buffer.from([0, 0, 0, 1, 127, 0, 0, 1, 0, 9, 0x61]);
    await new Promise<void>((resolve) => sock.send(dgram, relayPort, "127.0.0.1", () => resolve()));
    await until(() => p.records.length >= 8, 15_000, "eight records");
    await new Promise((r) => setTimeout(r, 200)); // the datagram is decided; its record is written when the association closes
    udp.socket.destroy();
    sock.close();
    await until(() => p.records.length >= 9, 15_000, "all records");
    await p.close();

    const lines = p.auditLines();
    expect(lines.length).toBe(p.records.length);
    for (const line of lines) {
      const ok = validate(line);
      expect(ok ? [] : validate.errors).toEqual([]);
      expect(line).toMatchObject({ point: "proxy" });
    }
    const frontEnds = new Set(lines.map((l) => (l as { frontEnd: string }).frontEnd));
    expect([...frontEnds].sort()).toEqual(["bind", "connect", "forward", "socks5", "udp"]);
    const kinds = p.audit.map((v) => v.verdict);
    expect(kinds).toContain("allow");
    expect(kinds).toContain("deny");
    expect(kinds).toContain("error");
  });
});
