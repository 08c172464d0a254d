/**
 * Every rule form of the grammar (docs/design.md, Grammar), and what each export target
 * does with it: "kept" (expressed, with `mark` in the output) or "warned"
 * (left out, with a warning naming the rule).
 */
import { parsePolicy, type Policy } from "@netperm/core";
import { expect } from "vitest";
import { exportPolicy, type ExportFormat, type ExportResult } from "../src/index.js";

export type Outcome = "kept" | "warned";

export interface Form {
  readonly flag: string;
  readonly k8s: Outcome;
  readonly cilium: Outcome;
  readonly nftables: Outcome;
  /** Text the output holds when the form is kept (per target where they differ). */
  readonly mark: Partial<Record<ExportFormat, string>>;
}

const all = (o: Outcome) => ({ k8s: o, cilium: o, nftables: o });

export const FORMS: readonly Form[] = [
  { flag: "--allow-outbound=tcp://example.com:80", k8s: "warned", cilium: "kept", nftables: "warned", mark: { cilium: "matchName: example.com" } },
  { flag: "--allow-outbound=tcp://example.com", k8s: "warned", cilium: "kept", nftables: "warned", mark: { cilium: "endPort: 65535" } },
  { flag: "--allow-outbound=tcp://*.example.com:443", k8s: "warned", cilium: "kept", nftables: "warned", mark: { cilium: 'matchPattern: "**.example.com"' } },
  { flag: "--allow-outbound=tcp://*:21,35000-35999", ...all("kept"), mark: { k8s: "endPort: 35999", cilium: "endPort: 35999", nftables: "21, 35000-35999" } },
  { flag: "--allow-outbound=tcp://...", ...all("kept"), mark: { k8s: "cidr: ::/0", cilium: "cidr: ::/0", nftables: "meta nfproto ipv6 tcp dport" } },
  { flag: "--allow-outbound=udp://...#ipv6-only", ...all("kept"), mark: { k8s: "cidr: ::/0", cilium: "cidr: ::/0", nftables: "meta nfproto ipv6 udp dport" } },
  { flag: "--allow-outbound=tcp://localhost:8080", ...all("kept"), mark: { k8s: "cidr: 127.0.0.0/8", cilium: "cidr: ::1/128", nftables: "127.0.0.0/8" } },
  { flag: "--allow-outbound=tcp://10.0.0.0/8:5432", ...all("kept"), mark: { k8s: "cidr: 10.0.0.0/8", cilium: "cidr: 10.0.0.0/8", nftables: "10.0.0.0/8" } },
  { flag: "--allow-outbound=udp://127.1:53", ...all("kept"), mark: { k8s: "cidr: 127.0.0.1/32", cilium: "cidr: 127.0.0.1/32", nftables: "127.0.0.1/32" } },
  { flag: "--allow-outbound=tcp://[2001:db8::]/32:443", ...all("kept"), mark: { k8s: "cidr: 2001:db8::/32", cilium: "cidr: 2001:db8::/32", nftables: "2001:db8::/32" } },
  { flag: "--allow-outbound=tcp://*:443#ipv4-only", ...all("kept"), mark: { k8s: "cidr: 0.0.0.0/0", cilium: "cidr: 0.0.0.0/0", nftables: "meta nfproto ipv4 tcp" } },
  { flag: "--allow-outbound=tcp://example.com:443#ipv4-only", ...all("warned"), mark: {} },
  { flag: "--allow-outbound=tcp://db.internal->127.0.0.5:5432->5433", ...all("warned"), mark: {} },
  { flag: "--allow-inbound=tcp://*:80", ...all("kept"), mark: { k8s: "port: 80", cilium: "fromEntities", nftables: "elements = { 80 }" } },
  { flag: "--allow-inbound=udp://*:5353#ipv4-only", ...all("kept"), mark: { k8s: "cidr: 0.0.0.0/0", cilium: "cidr: 0.0.0.0/0", nftables: "meta nfproto ipv4 udp" } },
  { flag: "--allow-inbound=tcp://localhost:0", ...all("warned"), mark: {} },
  { flag: "--allow-inbound=tcp://localhost:8080", k8s: "warned", cilium: "warned", nftables: "kept", mark: { nftables: "ip6 daddr @allow_in_tcp_6_0" } },
  { flag: "--allow-inbound=tcp://192.168.1.0/24:8080", k8s: "warned", cilium: "warned", nftables: "kept", mark: { nftables: "192.168.1.0/24" } },
  { flag: "--allow-inbound=tcp://eth0:80", ...all("warned"), mark: {} },
  { flag: "--allow-inbound=tcp://*:80->8888", ...all("warned"), mark: {} },
  { flag: "--allow-resolve=example.com", k8s: "warned", cilium: "kept", nftables: "warned", mark: { cilium: "matchName: example.com" } },
  { flag: "--allow-resolve=*.example.com", k8s: "warned", cilium: "kept", nftables: "warned", mark: { cilium: 'matchPattern: "**.example.com"' } },
  { flag: "--allow-resolve=*", k8s: "warned", cilium: "kept", nftables: "warned", mark: { cilium: 'matchPattern: "*"' } },
  { flag: "--allow-resolve=db.internal->10.0.0.1", ...all("warned"), mark: {} },
  { flag: "--allow-resolve=example.com#ipv6-only", ...all("warned"), mark: {} },
];

/** Exports one policy given as flags. */
export function exportFlags(flags: readonly string[], format: ExportFormat): { policy: Policy; result: ExportResult } {
  const policy = parsePolicy(flags);
  return { policy, result: exportPolicy(policy, { format }) };
}

/** Asserts what a target did with one form: kept (mark present, no warning) or warned (warning naming it, nothing of it in the output). */
export function expectForm(form: Form, format: ExportFormat, result: ExportResult): void {
  const warned = result.warnings.filter((w) => w.rule.flag === form.flag);
  const body = result.text.split("\n").filter((l) => !l.startsWith("#")).join("\n");
  if (form[format] === "kept") {
    expect({ flag: form.flag, warnings: warned }).toEqual({ flag: form.flag, warnings: [] });
    expect(body).toContain(form.mark[format]);
  } else {
    expect(warned.length, `${format} must warn about ${form.flag}`).toBeGreaterThan(0);
    expect(warned[0]?.message).toMatch(/left out|cannot/);
    for (const token of ["example.com", "db.internal", "eth0", "8888", "5433", "127.0.0.5"]) {
      if (form.flag.includes(token)) expect(body, `${format} output of ${form.flag}`).not.toContain(token);
    }
  }
}
