import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { exportFlags, expectForm, FORMS } from "../test/forms.js";
import { exportPolicy } from "./index.js";
import { parsePolicy } from "@netperm/core";

/** Parses the YAML and validates it against the Kubernetes OpenAPI schema (kubernetes-models). */
function validK8s(text: string): any {
  const doc = parse(text);
  new NetworkPolicy(doc).validate();
  return doc;
}

describe("export --format k8s", () => {
  for (const form of FORMS) {
    it(`${form.k8s === "kept" ? "expresses" : "warns about and leaves out"} ${form.flag}`, () => {
      const { result } = exportFlags([form.flag], "k8s");
      const doc = validK8s(result.text);
      expectForm(form, "k8s", result);
      if (form.k8s === "warned") expect([doc.spec.ingress, doc.spec.egress]).toEqual([[], []]);
    });
  }

  it("validates the whole grammar exported at once, default-deny in both directions", () => {
    const { result } = exportFlags(FORMS.map((f) => f.flag), "k8s");
    const doc = validK8s(result.text);
    expect(doc.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(doc.metadata.name).toBe("netperm");
  });

  it("writes a range as port and endPort, a selector as matchLabels", () => {
    const policy = parsePolicy(["--allow-outbound=udp://10.0.0.0/8:5000-5100,53"]);
    const doc = validK8s(exportPolicy(policy, { format: "k8s", selector: { app: "web", "example.com/tier": "db" }, name: "web-egress" }).text);
    expect(doc.metadata.name).toBe("web-egress");
    expect(doc.spec.podSelector).toEqual({ matchLabels: { app: "web", "example.com/tier": "db" } });
    expect(doc.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "UDP", port: 5000, endPort: 5100 }] },
    ]);
  });

  it("carves a deny block inside an allowed block out as except", () => {
    const { result } = exportFlags(["--allow-outbound=tcp://10.0.0.0/8:5432", "--deny-outbound=tcp://10.1.0.0/16:5432"], "k8s");
    expect(validK8s(result.text).spec.egress[0].to).toEqual([{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }]);
    expect(result.warnings).toEqual([]);
  });

  it("warns when an except must cover more ports than the deny rule", () => {
    const { result } = exportFlags(["--allow-outbound=tcp://10.0.0.0/8:80,443", "--deny-outbound=tcp://10.1.0.0/16:443"], "k8s");
    expect(validK8s(result.text).spec.egress[0].to[0].ipBlock.except).toEqual(["10.1.0.0/16"]);
    expect(result.warnings.map((w) => w.rule.index)).toEqual([0]);
    expect(result.warnings[0]?.message).toContain("every port");
  });

  it("takes the ports of a covering deny out of the allow", () => {
    const { result } = exportFlags(["--allow-inbound=tcp://*:*", "--deny-inbound=tcp://*:22"], "k8s");
    const ports = validK8s(result.text).spec.ingress.map((r: any) => r.ports);
    expect(ports[0]).toEqual([{ protocol: "TCP", port: 1, endPort: 21 }, { protocol: "TCP", port: 23, endPort: 65535 }]);
    expect(result.warnings).toEqual([]);
  });

  it("narrows every allow a name deny could overlap, with a warning on each", () => {
    const { result } = exportFlags(["--allow-outbound=tcp://*:443,8443", "--deny-outbound=tcp://evil.example:443"], "k8s");
    const egress = validK8s(result.text).spec.egress;
    expect(egress.map((r: any) => r.ports)).toEqual([[{ protocol: "TCP", port: 8443 }], [{ protocol: "TCP", port: 8443 }]]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatchObject({ rule: { index: 0 }, message: expect.stringContaining("--deny-outbound=tcp://evil.example:443") });
  });

  it("refuses a bad name or selector with NETPERM_ARGUMENT", () => {
    const policy = parsePolicy([]);
    expect(() => exportPolicy(policy, { format: "k8s", name: "Not_Valid" })).toThrow(expect.objectContaining({ code: "NETPERM_ARGUMENT" }));
    expect(() => exportPolicy(policy, { format: "k8s", selector: { app: "a b" } })).toThrow(expect.objectContaining({ code: "NETPERM_ARGUMENT" }));
    expect(() => exportPolicy(policy, { format: "iptables" as never })).toThrow(expect.objectContaining({ code: "NETPERM_ARGUMENT" }));
  });
});
