/**
 * A throwaway network namespace with listeners on every target, driven from
 * the test: one child process, `unshare --net node namespace-child.mjs`
 * (`unshare --user --map-root-user --net` where the test is not root), so
 * the namespace, its addresses, listeners and ruleset all vanish when that
 * process ends, however the test ends. Requests go over its stdin, one JSON
 * line each; no per-probe process is spawned.
 *
 * Each probe leaves from a source address of its direction, and the loaded
 * ruleset gets two lines per family in front of the export's chains:
 * probes of outbound rules pass `input` (so only `output` decides them),
 * probes of inbound rules pass `output` (so only `input` decides them).
 * The export's own rules match destination address and port only, so this
 * isolates each chain without changing what it decides.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { capability, systemProgram, type Requirement } from "@netperm/testkit";

/** Addresses probed: the namespace's own loopback and addresses put on its `lo`. */
export const TARGETS = ["10.88.0.1", "10.88.0.2", "10.88.0.3", "127.0.0.1", "fd88::1", "fd88::2", "fd88::3", "::1"] as const;
export const PORTS = [5001, 5002, 5003] as const;
/** Where probes come from, per direction (never a target). */
export const SOURCES = { outbound: { v4: "10.88.1.1", v6: "fd88:1::1" }, inbound: { v4: "10.88.1.2", v6: "fd88:1::2" } } as const;

export type Direction = "outbound" | "inbound";
export interface Probe {
  readonly direction: Direction;
  readonly protocol: "tcp" | "udp";
  readonly host: string;
  readonly port: number;
}

/** Every target in both directions and both protocols. */
export const ALL_PROBES: readonly Probe[] = (["outbound", "inbound"] as const).flatMap((direction) =>
  (["tcp", "udp"] as const).flatMap((protocol) => TARGETS.flatMap((host) => PORTS.map((port) => ({ direction, protocol, host, port })))),
);

const ISOLATE = [
  `insert rule inet netperm input ip saddr ${SOURCES.outbound.v4} accept`,
  `insert rule inet netperm input ip6 saddr ${SOURCES.outbound.v6} accept`,
  `insert rule inet netperm output ip saddr ${SOURCES.inbound.v4} accept`,
  `insert rule inet netperm output ip6 saddr ${SOURCES.inbound.v6} accept`,
].join("\n");

const unshareArgs = process.getuid?.() === 0 ? ["--net"] : ["--user", "--map-root-user", "--net"];

export const nft = systemProgram("nft", "nftables");
export const unshare = systemProgram("unshare", "util-linux");
export const ip = systemProgram("ip", "iproute2");
/** A network namespace can be made here, and nft can load a ruleset in it. */
export const namespaces: Requirement =
  nft.present && unshare.present && ip.present
    ? capability("network namespace", "root, or unprivileged user namespaces (kernel.unprivileged_userns_clone=1)", () => {
        const table = "add table inet np_probe";
        const r = spawnSync("unshare", [...unshareArgs, "sh", "-c", `ip link set lo up && nft '${table}'`], { encoding: "utf8", timeout: 20_000 });
        return r.status === 0 ? undefined : `unshare ${unshareArgs.join(" ")} failed: ${(r.stderr || String(r.error)).trim()}`;
      })
    : { name: "network namespace", present: false, hint: "needs nft, unshare and ip first" };

export interface Namespace {
  /** Loads the ruleset (replacing the previous one) and reports, per probe, whether it got through. */
  probe(ruleset: string, probes: readonly Probe[]): Promise<boolean[]>;
  /** Ends the child; the namespace and everything in it go with it. */
  close(): Promise<void>;
}

/** Starts the namespace child and waits until every listener is up. */
export async function openNamespace(waitMs = 250): Promise<Namespace> {
  const config = JSON.stringify({ targets: TARGETS, ports: PORTS, sources: { outbound: SOURCES.outbound, inbound: SOURCES.inbound }, waitMs });
  const child: ChildProcessWithoutNullStreams = spawn("unshare", [...unshareArgs, process.execPath, new URL("./namespace-child.mjs", import.meta.url).pathname, config]);
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const pending = new Map<number, (reply: { reached?: boolean[]; error?: string }) => void>();
  let ready: (() => void) | undefined;
  const started = new Promise<void>((done, fail) => {
    ready = done;
    void exited.then(() => fail(new Error(`the namespace child exited: ${stderr}`)));
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    const reply = JSON.parse(line) as { ready?: true; id?: number; reached?: boolean[]; error?: string };
    if (reply.ready) ready?.();
    else pending.get(reply.id!)?.(reply);
  });
  void exited.then(() => {
    for (const answer of pending.values()) answer({ error: `the namespace child exited: ${stderr}` });
  });
  await started;
  let next = 0;
  return {
    probe(ruleset, probes) {
      const id = next++;
      return new Promise((done, fail) => {
        pending.set(id, (reply) => {
          pending.delete(id);
          if (reply.error !== undefined) fail(new Error(`in the namespace: ${reply.error}`));
          else done(reply.reached!);
        });
        child.stdin.write(`${JSON.stringify({ id, ruleset: `${ruleset}\n${ISOLATE}\n`, probes })}\n`);
      });
    },
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
