import { z } from 'zod';
import { GovernanceConfigurationInvalid } from './errors';
import { POLICY_ACTIONS } from './policy-schema';

/**
 * How much an agent may do on its own, set per agent at run time:
 * - `autonomous`: policy alone decides (allow, deny or require approval);
 * - `approval-required`: every action the policies allow waits for a human;
 * - `suggest-only`: the plan is published, never executed;
 * - `revoked`: every action is denied.
 */
export const autonomyLevel = z.enum(['autonomous', 'approval-required', 'suggest-only', 'revoked']);
export type AutonomyLevel = z.infer<typeof autonomyLevel>;

const cents = z.number().int().nonnegative();
const weight = z.number().positive().max(1000);

/**
 * The longest one approval may wait, all tiers together: 4 hours. A saga asks one approval per task, at most
 * `MAX_PLAN_TASKS` (5) of them, and its execution times out after 24 hours (`TimeoutSeconds` of
 * `statemachines/remediation-saga.asl.json`). A Standard execution that times out ends there, and no Catch runs,
 * so the pause, the moved orders and the ticket would stay as they were: five approvals of 4 hours leave the
 * tasks and their compensations 4 hours (`remediationSagaDefinition` in lib/saga-definition.ts checks the sum
 * against the definition's timeout and the task catalog at synth).
 */
export const MAX_APPROVAL_WAIT_SECONDS = 14_400;

/** One step of the escalation chain: who is asked, and how long they have before the next tier is. */
const escalationTier = z.strictObject({
  name: z.string().min(1),
  /** Who is asked at this tier (an operator group, a rota): the approval step notifies them. */
  approvers: z.string().min(1),
  timeoutSeconds: z.number().int().min(1).max(MAX_APPROVAL_WAIT_SECONDS),
});

const escalationChain = z.strictObject({
  tiers: z
    .array(escalationTier)
    .min(1)
    .max(10)
    .refine(
      (tiers) => tiers.reduce((sum, tier) => sum + tier.timeoutSeconds, 0) <= MAX_APPROVAL_WAIT_SECONDS,
      `the tiers' timeouts add up to more than ${MAX_APPROVAL_WAIT_SECONDS} seconds (4 hours), the longest one approval may wait: the saga's 24-hour execution timeout would end it without its compensations`,
    ),
  /** What happens when the last tier times out unanswered: undo what the plan did, or refuse the task. */
  onExhausted: z.enum(['compensate', 'deny']),
});
export type EscalationChain = z.infer<typeof escalationChain>;

/**
 * The governance configuration: one AWS AppConfig freeform JSON document (`config/governance.json` is the
 * default), read by the policy decision point at run time. Unknown keys are refused, so a misspelt setting
 * cannot be silently ignored.
 */
const governanceConfigV1 = z.strictObject({
  schemaVersion: z.literal(1),
  policies: z.strictObject({
    /** Cedar: `permit` and `forbid` decide allow or deny (nothing permitted is denied). */
    authorization: z.string(),
    /**
     * Cedar: each `forbid` that matches an allowed request requires a human's approval (the set is evaluated
     * with an implicit `permit` of everything, so it can only add approvals, never allow anything).
     */
    approval: z.string(),
  }),
  /** The autonomy of an agent the configuration does not name. */
  defaultAutonomy: autonomyLevel,
  /** Per agent (by service name, the policy principal's id): autonomy and cost ceiling. */
  agents: z.record(
    z.string().min(1),
    z.strictObject({
      autonomy: autonomyLevel,
      /** Model spend the budget ledger allows the agent per UTC day, in US dollars (0: no model call). */
      dailyCeilingUsd: z.number().nonnegative().optional(),
    }),
  ),
  /** Numbers policies compare against, as `context.limits.<name>` (cents, counts). */
  thresholds: z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a threshold name must be a Cedar identifier'),
    cents,
  ),
  /** The weights of the risk score (see `riskScoreCents`). */
  riskScore: z.strictObject({
    taskRiskWeights: z.strictObject({ low: weight, medium: weight, high: weight }),
    segmentWeights: z.record(z.string().min(1), weight),
    /** The weight of a customer segment `segmentWeights` does not name. */
    defaultSegmentWeight: weight,
  }),
  /** What an approval that nobody answers turns into, tier by tier. */
  escalation: escalationChain,
  /** Task types no agent may run, whatever the policies say. */
  blockedActions: z.array(z.enum(POLICY_ACTIONS)),
  /** Model prices by model id (or inference profile id), for the budget ledger: the Bedrock price list's unit. */
  tokenPrices: z.record(
    z.string().min(1),
    z.strictObject({
      inputUsdPerMillionTokens: z.number().nonnegative(),
      outputUsdPerMillionTokens: z.number().nonnegative(),
    }),
  ),
});
export type GovernanceConfig = z.infer<typeof governanceConfigV1>;

/** Validates a configuration document; a bad one is refused with the first offending field named. */
function parseGovernanceConfig(value: unknown): GovernanceConfig {
  const result = governanceConfigV1.safeParse(value);
  if (result.success) return result.data;
  // zod reports at least one issue; the fallbacks only keep the message whole.
  const issue = result.error.issues[0];
  // An unknown key is named itself: `blockedAction`, not the object holding it.
  const path =
    issue?.code === 'unrecognized_keys' ? issue.path.concat(issue.keys.slice(0, 1)) : (issue?.path ?? []);
  const field = path.map(String).join('.') || '(document)';
  const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : '';
  throw new GovernanceConfigurationInvalid(field, `${issue?.message ?? 'invalid'}${more}`);
}

/** Parses the configuration's JSON text (what AppConfig serves). */
export function parseGovernanceConfigText(text: string): GovernanceConfig {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (cause) {
    throw new GovernanceConfigurationInvalid('(document)', 'not valid JSON', { cause });
  }
  return parseGovernanceConfig(value);
}

/**
 * The configuration's JSON Schema (draft-04, the version AppConfig's JSON Schema validator reads), generated
 * from the zod schema: AppConfig refuses to deploy a version that breaks it.
 */
export function governanceConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(governanceConfigV1, { io: 'input', target: 'draft-4' });
  return { ...schema, title: 'Proactive Agents governance configuration v1' };
}
