import { z } from 'zod';
import { PolicyRequestInvalid } from './errors';
import { isPolicyAction, RESOURCE_TYPES, type PolicyAction, type ResourceType } from './policy-schema';

const cents = z.number().int().nonnegative();

/**
 * What the saga asks before each task (its `lambda:invoke` Payload): may `agent` run `task`, with this much at
 * stake? Extra fields (the rest of the plan's task, say) are ignored.
 */
const policyRequestV1 = z.object({
  /** The incident. */
  correlationId: z.string().min(1),
  planId: z.string().min(1).optional(),
  /** The agent that proposes the task (its service name): the policy principal, `Agent::"<agent>"`. */
  agent: z.string().min(1).max(128),
  task: z.looseObject({
    taskId: z.string().min(1),
    /** The policy action, `Action::"<taskType>"`. */
    taskType: z.string().min(1),
    parameters: z.record(z.string(), z.unknown()).default({}),
    /** Estimated cost of running the task, in integer cents. */
    costCents: cents,
    risk: z.enum(['low', 'medium', 'high']),
    /** The task has no compensation: what it does cannot be undone. */
    irreversible: z.boolean().default(false),
  }),
  /** What is at stake if the task goes wrong. */
  impact: z.object({
    /** Value at stake, in cents: the totals of the orders the task moves, holds or notifies. */
    valueAtStakeCents: cents,
    /** How many orders that is. @default 0 */
    orders: z.number().int().nonnegative().default(0),
  }),
  /** The customers' segment (`standard`, `premium`, `enterprise`…), weighted in the risk score. @default 'standard' */
  customerSegment: z.string().min(1).default('standard'),
  /** Where the affected customers are (e.g. `US-NY`, `EU-DE`), for jurisdiction rules. @default 'unspecified' */
  jurisdiction: z.string().min(1).default('unspecified'),
  /**
   * The entity the task affects. @default - from the task's parameters: `warehouseId` or `fromWarehouseId` give a
   * `Warehouse`, `region` a `Region`; otherwise the incident itself (`Incident::"<correlationId>"`)
   */
  resource: z.object({ type: z.enum(RESOURCE_TYPES), id: z.string().min(1) }).optional(),
  /**
   * When the saga asked (`$$.State.EnteredTime`): the time of the decision's record in the decision trace.
   * @default - the policy function's clock
   */
  requestedAt: z.iso.datetime({ offset: true }).optional(),
});

/** A Cedar entity reference: `Type::"id"`. */
export interface EntityRef {
  readonly type: string;
  readonly id: string;
}

/** A parsed policy request: what `decidePolicy` works on. */
export interface PolicyRequest {
  readonly correlationId: string;
  readonly planId?: string;
  readonly taskId: string;
  readonly agent: string;
  readonly action: PolicyAction;
  readonly resource: EntityRef & { readonly type: ResourceType };
  readonly costCents: number;
  readonly risk: 'low' | 'medium' | 'high';
  readonly irreversible: boolean;
  readonly valueAtStakeCents: number;
  readonly orders: number;
  readonly customerSegment: string;
  readonly jurisdiction: string;
  /** When the saga asked, if it said. */
  readonly requestedAt?: string;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** The entity a task affects when the caller does not say: see `policyRequestV1.resource`. */
function affectedEntity(
  correlationId: string,
  parameters: Readonly<Record<string, unknown>>,
): EntityRef & { readonly type: ResourceType } {
  const warehouse = text(parameters.warehouseId) ?? text(parameters.fromWarehouseId);
  if (warehouse) return { type: 'Warehouse', id: warehouse };
  const region = text(parameters.region);
  if (region) return { type: 'Region', id: region };
  return { type: 'Incident', id: correlationId };
}

/** Parses the saga's request; a bad one is refused with the field named (`task.costCents`, `impact`…). */
export function parsePolicyRequest(input: unknown): PolicyRequest {
  const result = policyRequestV1.safeParse(input);
  if (!result.success) {
    // zod reports at least one issue; the fallbacks only keep the message whole.
    const issue = result.error.issues[0];
    throw new PolicyRequestInvalid(
      issue?.path.map(String).join('.') || '(request)',
      issue?.message ?? 'invalid',
    );
  }
  const { task, impact, ...request } = result.data;
  if (!isPolicyAction(task.taskType)) {
    throw new PolicyRequestInvalid('task.taskType', `"${task.taskType}" is not an action policies govern`);
  }
  return {
    correlationId: request.correlationId,
    ...(request.planId === undefined ? {} : { planId: request.planId }),
    taskId: task.taskId,
    agent: request.agent,
    action: task.taskType,
    resource: request.resource ?? affectedEntity(request.correlationId, task.parameters),
    costCents: task.costCents,
    risk: task.risk,
    irreversible: task.irreversible,
    valueAtStakeCents: impact.valueAtStakeCents,
    orders: impact.orders,
    customerSegment: request.customerSegment,
    jurisdiction: request.jurisdiction,
    ...(request.requestedAt === undefined ? {} : { requestedAt: request.requestedAt }),
  };
}
