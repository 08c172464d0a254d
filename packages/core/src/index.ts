// Grammar: errors, names, ports, rules, policies, canonical form.
export type * from "./types.js";
export { parseIp, isLoopback, cidrContains, networkAddress, endsInNumber, ipv4ToInt, ipv6Groups } from "./grammar/ip.js";
export { NetpermError, formatError, NETPERM_ERROR_CODES } from "./grammar/errors.js";
export type { NetpermErrorCode, NetpermErrorDetails } from "./grammar/errors.js";
export { canonicalName, MAX_NAME_LENGTH, MAX_LABEL_LENGTH } from "./grammar/names.js";
export { parsePorts, portInSpec, mergeRanges, formatPorts, formatPortRange, MAX_PORT } from "./grammar/ports.js";
export { FLAG_KINDS, isFlagKind } from "./grammar/flags.js";
export type { FlagKind } from "./grammar/flags.js";
export { parseRule, parsePolicy, checkPolicy, mergePolicies, MAX_RULE_LENGTH, MAX_RULES } from "./grammar/parse.js";
export type { ParseRuleOptions, ParsePolicyOptions, PolicyInput, CheckResult } from "./grammar/parse.js";
export { format, formatRule, formatRuleValue } from "./grammar/format.js";
// End grammar.
// Decisions: compile, resolution table (a decision carries its mapping: `decision.mapped`).
export { compile } from "./matcher/compile.js";
export { decisionValue } from "./matcher/lazy-decisions.js";
export type { CompileOptions, CompiledPolicy } from "./matcher/compile.js";
export { ResolutionTable } from "./matcher/resolution-table.js";
export type { Clock, ResolutionTableOptions } from "./matcher/resolution-table.js";
/**
 * @internal For `@netperm/testkit`'s reference decider, which must word its
 * decisions as `compile` does; not part of the public API.
 */
export { toDecision, invalidDecision } from "./matcher/decision-text.js";
/** @internal See `toDecision`. */
export type { Subject as DecisionSubject, Verdict as DecisionVerdict } from "./matcher/decision-text.js";
/** @internal See `toDecision`. */
export { ipv6ToHex } from "./grammar/ip.js";
// End decisions.
// The enforcement kit: what the WASI host and the proxy do around a decision.
export { hostPort, bareHost, splitAuthority } from "./enforce/authority.js";
export type { Authority } from "./enforce/authority.js";
export { realEndpoint, guestEndpoint } from "./enforce/endpoint.js";
export type { Endpoint as EnforcedEndpoint } from "./enforce/endpoint.js";
export { failClosed, decideOrDeny } from "./enforce/fail-closed.js";
export { answerSource, usableAnswers } from "./enforce/name-answers.js";
export type { AnswerSource } from "./enforce/name-answers.js";
// The audit record every enforcement point writes.
export { auditRecord, auditLine } from "./audit/audit-record.js";
export type { AuditConnection, AuditContext, AuditRecord, EnforcementPoint, FrontEnd } from "./audit/audit-record.js";
// Lint and explain.
export { explain } from "./analysis/explain.js";
export type { Explanation, ExplainOptions, ExplainStep } from "./analysis/explain.js";
export { lint, LINT_PAIRWISE_LIMIT } from "./analysis/lint.js";
export type { LintCode, LintFinding } from "./analysis/lint.js";
export { subsumes, covers, hostContains, portsContain } from "./analysis/subsume.js";
export type { RuleStatus } from "./analysis/rule-match.js";
// End lint and explain.
export {};
