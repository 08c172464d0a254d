/**
 * Publishes the program's listening ports. Each `--allow-inbound` tcp rule
 * with one concrete port (`tcp://127.0.0.1:8080`, `tcp://*:80->8888`) is
 * decided as `bind` by the compiled policy (so a `--deny-inbound` wins);
 * when allowed, netperm listens on the host address the rule names and the
 * mapped port, and carries each accepted connection over `in.sock` to that
 * port on 127.0.0.1 inside the namespace. Every decision is written as the
 * one audit record (point `exec`, front end `inbound`): the publication
 * itself, and each accepted connection when it closes.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { auditRecord, hostPort, type AuditRecord, type CompiledPolicy, type Decision, type Rule } from "@netperm/core";
import { splice } from "./relay.js";
import { FILES, portHeader } from "./wire.js";

/** One published port. */
export interface Published {
  /** Where netperm listens on the host. */
  readonly host: string;
  readonly port: number;
  /** The port inside the namespace the connections go to. */
  readonly insidePort: number;
  /** The rule that published it. */
  readonly rule: string;
}

/** A rule netperm could not publish, and why. */
export interface NotPublished {
  readonly rule: string;
  readonly why: string;
}

export interface Publisher {
  readonly published: readonly Published[];
  readonly skipped: readonly NotPublished[];
  close(): Promise<void>;
}

/** The host address for a rule's host, or why it has none. */
function listenHostOf(rule: Rule): string | { why: string } {
  const h = rule.host;
  if (h.kind === "any") return "0.0.0.0";
  if (h.kind === "localhost") return "127.0.0.1";
  if (h.kind === "cidr" && h.prefix === (h.family === "ipv4" ? 32 : 128)) return h.address;
  return { why: "its host is not one address (publish needs *, localhost or an IP)" };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port }, () => {
      server.off("error", reject);
      const a = server.address();
      resolve(typeof a === "object" && a !== null ? a.port : port);
    });
  });
}

/**
 * Starts listening for every publishable inbound rule. `ready` resolves when
 * the supervisor's `in.sock` exists; connections accepted before wait for it.
 * @throws the listen error (EADDRINUSE, EACCES) of a rule's host port.
 */
export async function publishInbound(
  compiled: CompiledPolicy,
  rules: readonly Rule[],
  dir: string,
  ready: Promise<void>,
  writeAudit: (record: AuditRecord) => void,
): Promise<Publisher> {
  const published: Published[] = [];
  const skipped: NotPublished[] = [];
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  for (const rule of rules) {
    if (rule.direction !== "inbound" || rule.effect !== "allow") continue;
    const flag = rule.source.flag;
    const ports = rule.ports;
    if (rule.protocol !== "tcp") {
      skipped.push({ rule: flag, why: "only tcp ports are published" });
      continue;
    }
    if (ports === "*" || ports.length !== 1 || ports[0]!.from !== ports[0]!.to || ports[0]!.from === 0) {
      skipped.push({ rule: flag, why: "it names no single concrete port" });
      continue;
    }
    const host = listenHostOf(rule);
    if (typeof host !== "string") {
      skipped.push({ rule: flag, why: host.why });
      continue;
    }
    const insidePort = ports[0]!.from;
    const decision: Decision = compiled.decide({ op: "bind", protocol: "tcp", host, port: insidePort });
    writeAudit(auditRecord(decision, { point: "exec", frontEnd: "inbound" }));
    if (!decision.allowed) {
      skipped.push({ rule: flag, why: decision.message ?? decision.reason });
      continue;
    }
    const hostPortNumber = decision.mapped?.port ?? insidePort;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
      sockets.add(client);
      client.once("close", () => sockets.delete(client));
      client.on("error", () => undefined);
      const started = Date.now();
      const who = hostPort(client.remoteAddress ?? "?", client.remotePort);
      void ready.then(() => {
        const inner = createConnection({ path: join(dir, FILES.inbound), allowHalfOpen: true });
        inner.pause();
        inner.write(portHeader(insidePort));
        splice(client, inner);
        client.once("close", () => {
          writeAudit(
            auditRecord(decision, { point: "exec", frontEnd: "inbound", client: who }, { remote: hostPort("127.0.0.1", insidePort), bytesUp: client.bytesRead, bytesDown: client.bytesWritten, durationMs: Date.now() - started }, started),
          );
        });
      }, () => client.destroy());
    });
    server.on("error", () => undefined);
    const port = await listen(server, host, hostPortNumber);
    servers.push(server);
    published.push({ host, port, insidePort, rule: flag });
  }
  return {
    published,
    skipped,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
