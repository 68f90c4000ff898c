import type { AutonomyLevel, EscalationChain, GovernanceConfig } from './governance-config';
import type { PolicyContext, PolicyEngine, PolicyEvaluationError, PolicyQuery } from './policy-engine';
import type { EntityRef, PolicyRequest } from './policy-request';
import { riskScoreCents } from './policy-risk-score';

/** What the policies decide on their own. */
type PolicyOutcome = 'allow' | 'deny' | 'require_approval';

/**
 * The decision the saga acts on: `allow` (run the task), `deny` (never run it), `require_approval` (wait for a
 * human, escalating through `escalation`), `suggest` (a suggest-only agent: publish the plan, do not execute).
 */
type Decision = PolicyOutcome | 'suggest';

/**
 * Ids of the decision point's own rules, reported among the determining policies. Cedar policy ids are refused
 * if they contain `:`, so these never collide with a configured policy.
 */
export const BUILT_IN_RULES = {
  revoked: 'autonomy:revoked',
  approvalRequired: 'autonomy:approval-required',
  suggestOnly: 'autonomy:suggest-only',
  blockedAction: 'config:blocked-actions',
} as const;

export interface PolicyDecision {
  readonly decision: Decision;
  /** What the policies alone answered; for `suggest`, what running the plan would have needed. */
  readonly policyOutcome: PolicyOutcome;
  /** The policies (by `@id`) and built-in rules that determined the decision. */
  readonly determiningPolicies: readonly string[];
  /** Why, one line per determining rule, for the operator. */
  readonly reasons: readonly string[];
  /** Policies that failed to evaluate (the decision then fails closed). */
  readonly errors: readonly PolicyEvaluationError[];
  readonly autonomy: AutonomyLevel;
  readonly principal: EntityRef;
  readonly action: EntityRef;
  readonly resource: EntityRef;
  /** The context the policies saw. */
  readonly context: PolicyContext;
  /** For `require_approval`: the tiers to escalate through and what happens when none answers. */
  readonly escalation?: EscalationChain;
}

const entity = ({ type, id }: EntityRef): string => `${type}::${JSON.stringify(id)}`;

/** The autonomy level configured for `agent`. */
function autonomyOf(config: GovernanceConfig, agent: string): AutonomyLevel {
  const configured = Object.hasOwn(config.agents, agent) ? config.agents[agent] : undefined;
  return configured?.autonomy ?? config.defaultAutonomy;
}

/** The Cedar request for a policy request under a configuration. */
function policyQuery(request: PolicyRequest, config: GovernanceConfig): PolicyQuery {
  return {
    principal: { type: 'Agent', id: request.agent },
    action: { type: 'Action', id: request.action },
    resource: request.resource,
    context: {
      costCents: request.costCents,
      risk: request.risk,
      riskScoreCents: riskScoreCents(config.riskScore, request, request.customerSegment),
      valueAtStakeCents: request.valueAtStakeCents,
      orders: request.orders,
      customerSegment: request.customerSegment,
      jurisdiction: request.jurisdiction,
      autonomy: autonomyOf(config, request.agent),
      irreversible: request.irreversible,
      limits: config.thresholds,
    },
  };
}

/**
 * Decides whether an agent may run a task. In order, the first that applies:
 * 1. a `revoked` agent is denied (`autonomy:revoked`); a task type in `blockedActions` is denied
 *    (`config:blocked-actions`) — neither can be overridden by a policy;
 * 2. the authorization set: denied unless a `permit` matches and no `forbid` does (a policy that fails to
 *    evaluate denies);
 * 3. the approval set: any matching `forbid` (or one that fails to evaluate) requires approval;
 * 4. autonomy: `approval-required` turns an allow into require_approval, `suggest-only` turns allow and
 *    require_approval into `suggest` (publish, don't execute).
 */
export function decidePolicy(
  request: PolicyRequest,
  config: GovernanceConfig,
  engine: PolicyEngine,
): PolicyDecision {
  const query = policyQuery(request, config);
  const { autonomy } = query.context;
  const base = {
    autonomy,
    principal: query.principal,
    action: query.action,
    resource: query.resource,
    context: query.context,
  };
  const who = `${entity(query.principal)} to ${entity(query.action)} on ${entity(query.resource)}`;
  const denied = (determiningPolicies: readonly string[], reasons: readonly string[], errors = []) => ({
    ...base,
    decision: 'deny' as const,
    policyOutcome: 'deny' as const,
    determiningPolicies,
    reasons,
    errors,
  });

  if (autonomy === 'revoked') {
    return denied([BUILT_IN_RULES.revoked], [`the autonomy of ${entity(query.principal)} is revoked`]);
  }
  if ((config.blockedActions as readonly string[]).includes(request.action)) {
    return denied([BUILT_IN_RULES.blockedAction], [`${entity(query.action)} is a blocked action`]);
  }

  const authorization = engine.authorize(query);
  if (authorization.errors.length > 0) {
    return {
      ...denied(
        authorization.errors.map((error) => error.policyId),
        authorization.errors.map((error) => `policy ${error.policyId} failed to evaluate: ${error.message}`),
      ),
      errors: authorization.errors,
    };
  }
  if (authorization.decision === 'deny') {
    return authorization.determiningPolicies.length > 0
      ? denied(
          authorization.determiningPolicies,
          authorization.determiningPolicies.map((id) => `forbidden by ${id}`),
        )
      : denied([], [`no policy permits ${who}`]);
  }

  const approval = engine.approval(query);
  const approvalPolicies = [
    ...approval.determiningPolicies,
    ...approval.errors.map((error) => error.policyId),
  ];
  const policyOutcome: PolicyOutcome =
    approval.decision === 'deny' || approval.errors.length > 0 ? 'require_approval' : 'allow';
  const policyReasons =
    policyOutcome === 'allow'
      ? authorization.determiningPolicies.map((id) => `permitted by ${id}`)
      : [
          ...approval.determiningPolicies.map((id) => `approval required by ${id}`),
          ...approval.errors.map(
            (error) => `approval policy ${error.policyId} failed to evaluate: ${error.message}`,
          ),
        ];
  const determining = policyOutcome === 'allow' ? authorization.determiningPolicies : approvalPolicies;
  const decided = { ...base, policyOutcome, errors: approval.errors };

  if (autonomy === 'suggest-only') {
    return {
      ...decided,
      decision: 'suggest',
      determiningPolicies: [BUILT_IN_RULES.suggestOnly, ...determining],
      reasons: [`${entity(query.principal)} may only suggest: publish, do not execute`, ...policyReasons],
    };
  }
  if (autonomy === 'approval-required' || policyOutcome === 'require_approval') {
    const byAutonomy = autonomy === 'approval-required';
    return {
      ...decided,
      decision: 'require_approval',
      determiningPolicies: byAutonomy ? [BUILT_IN_RULES.approvalRequired, ...approvalPolicies] : determining,
      reasons: byAutonomy
        ? [
            `every action of ${entity(query.principal)} needs approval`,
            ...(policyOutcome === 'require_approval' ? policyReasons : []),
          ]
        : policyReasons,
      escalation: config.escalation,
    };
  }
  return { ...decided, decision: 'allow', determiningPolicies: determining, reasons: policyReasons };
}
