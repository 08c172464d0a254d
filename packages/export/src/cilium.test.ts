import { parsePolicy } from "@netperm/core";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { assertCiliumPolicy } from "../test/cilium-schema.js";
import { exportFlags, expectForm, FORMS } from "../test/forms.js";
import { exportPolicy } from "./index.js";

function validCilium(text: string): any {
  const doc = parse(text);
  assertCiliumPolicy(doc);
  return doc;
}

describe("export --format cilium", () => {
  for (const form of FORMS) {
    it(`${form.cilium === "kept" ? "expresses" : "warns about and leaves out"} ${form.flag}`, () => {
      const { result } = exportFlags([form.flag], "cilium");
      const doc = validCilium(result.text);
      expectForm(form, "cilium", result);
      if (form.cilium === "warned") expect([doc.spec.ingress, doc.spec.egress]).toEqual([[{}], [{}]]);
    });
  }

  it("the vendored schema rejects what Cilium rejects", () => {
    const doc = validCilium(exportFlags(["--allow-outbound=tcp://*:80"], "cilium").result.text);
    expect(() => assertCiliumPolicy({ ...doc, spec: { ...doc.spec, egress: [{ toPorts: [{ ports: [{ port: 80 }] }] }] } })).toThrow(/port/);
    expect(() => assertCiliumPolicy({ ...doc, spec: { ...doc.spec, egress: [{ toCIDRSet: [{ cidr: "10.0.0.0/33" }] }] } })).toThrow(/cidr/);
    expect(() => assertCiliumPolicy({ ...doc, spec: { ...doc.spec, egress: [{ toFQDNs: [{ matchName: "a", matchPattern: "b" }] }] } })).toThrow();
    expect(() => assertCiliumPolicy({ ...doc, spec: { ...doc.spec, egressDeny: [{ toFQDNs: [{ matchName: "a" }] }] } })).toThrow(/additional/);
  });

  it("validates the whole grammar at once; default deny both ways", () => {
    const doc = validCilium(exportFlags(FORMS.map((f) => f.flag), "cilium").result.text);
    expect(doc.spec.enableDefaultDeny).toEqual({ ingress: true, egress: true });
  });

  it("names the DNS rule's patterns after the names netperm lets resolve, to kube-dns port 53", () => {
    const doc = validCilium(exportFlags(["--allow-outbound=tcp://api.example.com:443", "--allow-resolve=*.internal"], "cilium").result.text);
    expect(doc.spec.egress[0]).toEqual({
      toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" } }],
      toPorts: [{ ports: [{ port: "53", protocol: "ANY" }], rules: { dns: [{ matchName: "api.example.com" }, { matchPattern: "**.internal" }] } }],
    });
    expect(doc.spec.egress[1]).toEqual({ toFQDNs: [{ matchName: "api.example.com" }], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] });
  });

  it("writes no DNS rule when nothing may be resolved", () => {
    const doc = validCilium(exportFlags(["--allow-outbound=tcp://10.0.0.0/8:443"], "cilium").result.text);
    expect(JSON.stringify(doc)).not.toContain("kube-dns");
  });

  it("writes an address deny as egressDeny with toCIDRSet and toPorts", () => {
    const { result } = exportFlags(["--allow-outbound=tcp://10.0.0.0/8:*", "--deny-outbound=tcp://10.1.2.3:22"], "cilium");
    expect(validCilium(result.text).spec.egressDeny).toEqual([{ toCIDRSet: [{ cidr: "10.1.2.3/32" }], toPorts: [{ ports: [{ port: "22", protocol: "TCP" }] }] }]);
    expect(result.warnings).toEqual([]);
  });

  it("cannot deny a name: narrows overlapping allows instead, with a warning", () => {
    const { result } = exportFlags(["--allow-outbound=tcp://*.example.com:443,8443", "--deny-outbound=tcp://bad.example.com:443"], "cilium");
    const doc = validCilium(result.text);
    expect(doc.spec.egressDeny).toBeUndefined();
    expect(doc.spec.egress[1].toPorts).toEqual([{ ports: [{ port: "8443", protocol: "TCP" }] }]);
    expect(result.warnings[0]?.message).toContain("egressDeny has no toFQDNs");
  });

  it("leaves a resolve grant out of the DNS rule where a deny-resolve rule overlaps it", () => {
    const { result } = exportFlags(["--allow-resolve=*.example.com", "--allow-resolve=ok.test", "--deny-resolve=bad.example.com"], "cilium");
    expect(validCilium(result.text).spec.egress[0].toPorts[0].rules.dns).toEqual([{ matchName: "ok.test" }]);
    expect(result.warnings.map((w) => w.rule.index)).toEqual([0]);
  });

  it("splits more than 40 ports over several PortRules", () => {
    const ports = Array.from({ length: 45 }, (_, i) => 1000 + 2 * i).join(",");
    const doc = validCilium(exportFlags([`--allow-outbound=udp://10.0.0.1:${ports}`], "cilium").result.text);
    expect(doc.spec.egress[0].toPorts.map((p: any) => p.ports.length)).toEqual([40, 5]);
  });

  it("puts the selector in endpointSelector", () => {
    const doc = validCilium(exportPolicy(parsePolicy(["--allow-inbound=tcp://*:80"]), { format: "cilium", selector: { app: "web" } }).text);
    expect(doc.spec.endpointSelector).toEqual({ matchLabels: { app: "web" } });
  });
});
