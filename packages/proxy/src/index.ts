/**
 * @netperm/proxy: a SOCKS5 + HTTP CONNECT + HTTP forward proxy on one port
 * that enforces a netperm policy on real sockets (docs/design.md, Packages).
 */
export { createProxy, listenWarnings, systemResolver, type Proxy, type ProxyOptions, type ProxyStats } from "./proxy.js";
export type { Resolver, Endpoint, GateRequest, GateResult } from "./gate.js";
export { createGate } from "./gate.js";
export { keepFreedMemory } from "./freed-heap.js";
export { DEFAULT_LIMITS, type Limits, type DecisionEvent } from "./limits.js";
export type { ProxyFrontEnd } from "./audit.js";
export type { AuditRecord } from "@netperm/core";
export { execIsolated, type ExecIsolatedOptions, type IsolatedExit, type IsolatedProcess } from "./isolate/exec-isolated.js";
export { chooseNamespace, type ChooseOptions, type Launcher, type NamespaceChoice, type NamespaceKind } from "./isolate/namespace.js";
export { proxyVariables, withProxyVariables } from "./isolate/proxy-env.js";
export { sentByTerminal } from "./isolate/terminal-signal.js";
export type { NotPublished, Published } from "./isolate/inbound.js";
