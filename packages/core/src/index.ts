// Grammar: errors, names, ports, rules, policies, canonical form.
export type * from "./types.js";
export { parseIp, isLoopback, cidrContains, networkAddress, endsInNumber, ipv6Groups } from "./ip.js";
export { NetpermError, formatError, NETPERM_ERROR_CODES } from "./errors.js";
export type { NetpermErrorCode, NetpermErrorDetails } from "./errors.js";
export { canonicalName, MAX_NAME_LENGTH, MAX_LABEL_LENGTH } from "./names.js";
export { parsePorts, portInSpec, mergeRanges, formatPorts, formatPortRange, MAX_PORT } from "./ports.js";
export { FLAG_KINDS, isFlagKind } from "./flags.js";
export type { FlagKind } from "./flags.js";
export { parseRule, parsePolicy, checkPolicy, mergePolicies, MAX_RULE_LENGTH, MAX_RULES } from "./parse.js";
export type { ParseRuleOptions, ParsePolicyOptions, PolicyInput, CheckResult } from "./parse.js";
export { format, formatRule, formatRuleValue } from "./format.js";
// End grammar.
// Decisions: compile, resolution table, mapper.
export { compile } from "./compile.js";
export { decisionValue } from "./decision-cache.js";
export type { CompileOptions, CompiledPolicy } from "./compile.js";
export { ResolutionTable } from "./resolution-table.js";
export type { Clock, ResolutionTableOptions } from "./resolution-table.js";
export { createMapper } from "./mapper.js";
export type { Endpoint, Mapper, MapDirection } from "./mapper.js";
// End decisions.
// The audit record every enforcement point writes.
export { auditRecord, auditLine } from "./audit-record.js";
export type { AuditConnection, AuditContext, AuditRecord, EnforcementPoint, FrontEnd } from "./audit-record.js";
// Lint and explain.
export { explain } from "./explain.js";
export type { Explanation, ExplainOptions, ExplainStep } from "./explain.js";
export { lint, LINT_PAIRWISE_LIMIT } from "./lint.js";
export type { LintCode, LintFinding } from "./lint.js";
export { subsumes, covers, hostContains, portsContain } from "./subsume.js";
export type { RuleStatus } from "./rule-match.js";
// End lint and explain.
export {};
