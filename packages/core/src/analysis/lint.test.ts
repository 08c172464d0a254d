import { describe, expect, it } from "vitest";
import { lint } from "./lint.js";
import { parsePolicy } from "../grammar/parse.js";

const codes = (flags: string[], interfaces?: Record<string, { address: string }[]>) =>
  lint(parsePolicy(flags), interfaces ? { interfaces: () => interfaces } : {}).map((f) => [f.code, f.rule.index, f.related?.index]);

describe("lint", () => {
  it("is quiet on a clean policy", () => {
    expect(codes(["--allow-outbound=tcp://example.com:443", "--allow-resolve=*.example.com", "--allow-resolve=example.com"])).toEqual([]);
  });

  it("finds *.example.com without example.com, with the host underlined and a fix", () => {
    const [finding, ...rest] = lint(parsePolicy(["--allow-resolve=*.example.com"]));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ code: "NETPERM_LINT_WILDCARD_APEX", offset: "--allow-resolve=".length, length: "*.example.com".length });
    expect(finding!.hint).toContain("--allow-resolve=example.com");
  });

  it("does not flag the wildcard when a rule covers the apex", () => {
    expect(codes(["--allow-outbound=tcp://*.example.com:443", "--allow-outbound=tcp://example.com:443"])).toEqual([]);
    expect(codes(["--allow-outbound=tcp://*.example.com:443", "--allow-outbound=tcp://*:*"])).toEqual([["NETPERM_LINT_SUBSUMED", 0, 1]]);
  });

  it("finds duplicates, including different spellings of one rule", () => {
    expect(codes(["--allow-outbound=tcp://127.0.0.1:80", "--allow-outbound=tcp://127.1:080"])).toEqual([["NETPERM_LINT_DUPLICATE", 1, 0]]);
    expect(codes(["--allow-outbound=tcp://EXAMPLE.com.:80", "--allow-outbound=tcp://example.com:80"])).toEqual([["NETPERM_LINT_DUPLICATE", 1, 0]]);
  });

  it("finds a rule another rule subsumes, in either order", () => {
    expect(codes(["--allow-outbound=tcp://*:80", "--allow-outbound=tcp://example.com:80"])).toEqual([["NETPERM_LINT_SUBSUMED", 1, 0]]);
    expect(codes(["--allow-outbound=tcp://example.com:80", "--allow-outbound=tcp://*:80"])).toEqual([["NETPERM_LINT_SUBSUMED", 0, 1]]);
  });

  it("finds an allow rule that a deny rule cancels whole", () => {
    expect(codes(["--allow-outbound=tcp://10.1.0.0/16:22", "--deny-outbound=tcp://10.0.0.0/8"])).toEqual([["NETPERM_LINT_CANCELLED", 0, 1]]);
    // A partial overlap is not a finding: part of the allow still allows.
    expect(codes(["--allow-outbound=tcp://10.0.0.0/7:22", "--deny-outbound=tcp://10.0.0.0/8"])).toEqual([]);
  });

  it("finds an unknown interface when the host's interfaces are known", () => {
    const here = { lo: [{ address: "127.0.0.1" }], eth0: [{ address: "192.0.2.5" }] };
    expect(codes(["--allow-inbound=tcp://eth9:80"], here)).toEqual([["NETPERM_LINT_INTERFACE", 0, undefined]]);
    expect(codes(["--allow-inbound=tcp://eth0:80"], here)).toEqual([]);
    expect(codes(["--allow-inbound=tcp://eth9:80"])).toEqual([]);
  });

  it("finds port maps that cannot apply", () => {
    expect(codes(["--allow-inbound=tcp://*:80->9999", "--allow-inbound=tcp://*:80->8888"])).toEqual([["NETPERM_LINT_PORT_MAP", 1, 0]]);
    // A mapping rule decides before a plain one, whatever the order: nothing to say.
    expect(codes(["--allow-inbound=tcp://*:80", "--allow-inbound=tcp://*:80->8888"])).toEqual([]);
    expect(codes(["--allow-outbound=tcp://db->127.0.0.1:5432->5433", "--deny-outbound=tcp://127.0.0.1:5433"])).toEqual([["NETPERM_LINT_PORT_MAP", 0, 1]]);
    expect(codes(["--allow-inbound=tcp://*:80->8888", "--allow-inbound=tcp://*:80"])).toEqual([]);
  });
});
