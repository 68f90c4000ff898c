import { z } from 'zod';
import {
  closeTicketParameters,
  notifyCustomersParameters,
  openTicketParameters,
  pauseIntakeParameters,
  resumeIntakeParameters,
} from './operations';

/** Fields every event the platform emits carries. */
const platformFields = {
  schemaVersion: z.literal(1),
  /** The incident this event belongs to. */
  correlationId: z.string().min(1),
};

const isoTime = z.iso.datetime({ offset: true });

const spikeScope = z.object({
  type: z.enum(['warehouse', 'region']),
  id: z.string().min(1),
});

/**
 * A region incident names at most this many contributing warehouses, and a rebalance moves the region's orders away
 * from at most this many: a region of thousands of warehouses keeps its spike a few kilobytes (a saga's input is
 * limited to 256 KiB) and its plan valid.
 */
export const MAX_CONTRIBUTORS = 100;

export const orderCancellationSpikeV1 = z.object({
  ...platformFields,
  incidentKey: z.string().min(1),
  scope: spikeScope,
  window: z.object({ start: isoTime, end: isoTime }),
  observedRatio: z.number().nonnegative(),
  baselineRatio: z.number().nonnegative(),
  placed: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative(),
  pValue: z.number().min(0).max(1),
  score: z.number().nonnegative(),
  /** Cancellations expected in `window` at the baseline ratio (optional: added after the first producers). */
  expectedCancelled: z.number().nonnegative().optional(),
  /**
   * For a region incident: the warehouses whose customers in the region cancel more, largest excess first, at most
   * {@link MAX_CONTRIBUTORS} of them.
   */
  contributors: z
    .array(
      z.object({
        warehouseId: z.string().min(1),
        cancelled: z.number().int().nonnegative(),
        expectedCancelled: z.number().nonnegative(),
      }),
    )
    .max(MAX_CONTRIBUTORS)
    .optional(),
  /** How many more warehouses showed a significant excess than `contributors` lists (past the first 100). */
  otherContributors: z.number().int().positive().optional(),
});
export type OrderCancellationSpike = z.infer<typeof orderCancellationSpikeV1>;

export const rerouteParameters = z.object({
  fromWarehouseId: z.string().min(1),
  /** Open orders placed at or after this time are moved. */
  since: isoTime,
});

const revertParameters = z.object({
  fromWarehouseId: z.string().min(1),
  /** The idempotency key of the reroute to undo. */
  rerouteIdempotencyKey: z.string().min(1),
});

/** Orders of one customer region move away from the warehouses that fail it. */
export const rebalanceParameters = z.object({
  /** The customer region whose open orders move. */
  region: z.string().min(1),
  /** The warehouses the region's orders leave: the incident's contributors. */
  fromWarehouseIds: z.array(z.string().min(1)).min(1).max(MAX_CONTRIBUTORS),
  /** Open orders placed at or after this time are moved. */
  since: isoTime,
});

const revertRebalanceParameters = z.object({
  region: z.string().min(1),
  /** The idempotency key of the rebalance to undo. */
  rerouteIdempotencyKey: z.string().min(1),
});

const compensationFields = {
  idempotencyKey: z.string().min(1),
  timeoutSeconds: z.number().int().positive(),
};

/** How a task is undone: its compensation command, with its own key and timeout. */
const compensationOf = <T extends string, P extends z.ZodType>(taskType: T, parameters: P) =>
  z.object({ taskType: z.literal(taskType), parameters, ...compensationFields });

const planTaskFields = {
  taskId: z.string().min(1),
  /** Estimated cost of running the task, in integer cents. */
  costCents: z.number().int().nonnegative(),
  risk: z.enum(['low', 'medium', 'high']),
  slaSeconds: z.number().int().positive(),
  timeoutSeconds: z.number().int().positive(),
  idempotencyKey: z.string().min(1),
};

/** A reversible task: the saga runs its compensation when a later task (or itself) fails. */
const reversibleTask = <T extends string, P extends z.ZodType, C extends z.ZodType>(
  taskType: T,
  parameters: P,
  compensation: C,
) => z.object({ ...planTaskFields, taskType: z.literal(taskType), parameters, compensation });

/** An irreversible task: nothing undoes it (the saga's reverse walk skips it), which policy can weigh. */
const irreversibleTask = <T extends string, P extends z.ZodType>(taskType: T, parameters: P) =>
  z.object({ ...planTaskFields, taskType: z.literal(taskType), parameters, irreversible: z.literal(true) });

const planTask = z.discriminatedUnion('taskType', [
  reversibleTask('reroute_orders', rerouteParameters, compensationOf('revert_reroute', revertParameters)),
  reversibleTask(
    'rebalance_region',
    rebalanceParameters,
    compensationOf('revert_rebalance', revertRebalanceParameters),
  ),
  reversibleTask(
    'pause_warehouse_intake',
    pauseIntakeParameters,
    compensationOf('resume_warehouse_intake', resumeIntakeParameters),
  ),
  reversibleTask(
    'open_incident_ticket',
    openTicketParameters,
    compensationOf('close_incident_ticket', closeTicketParameters),
  ),
  irreversibleTask('notify_customers', notifyCustomersParameters),
]);
export type PlanTask = z.infer<typeof planTask>;

export const remediationPlannedV1 = z.object({
  ...platformFields,
  planId: z.string().min(1),
  /** The episodic-memory entity the plan is about, e.g. `warehouse#WH-NYC`. */
  entity: z.string().min(1),
  summary: z.string().min(1),
  /** Why: the facts the planner used. */
  evidence: z.array(z.string()),
  planner: z.enum(['template', 'reasoner', 'rule']),
  /** The procedural template reused, when `planner` is `template`: learning credits its outcome to it. */
  templateId: z.string().min(1).optional(),
  tasks: z.array(planTask).min(1),
});
export type RemediationPlan = z.infer<typeof remediationPlannedV1>;

const commandFields = {
  ...platformFields,
  planId: z.string().min(1),
  taskId: z.string().min(1),
  idempotencyKey: z.string().min(1),
  /** The saga's task token; echoed in the answer so the saga resumes. */
  taskToken: z.string().min(1),
};

export const rerouteOrdersV1 = z.object({ ...commandFields, parameters: rerouteParameters });
export type RerouteOrders = z.infer<typeof rerouteOrdersV1>;

export const revertRerouteV1 = z.object({ ...commandFields, parameters: revertParameters });
export type RevertReroute = z.infer<typeof revertRerouteV1>;

export const rebalanceRegionV1 = z.object({ ...commandFields, parameters: rebalanceParameters });
export type RebalanceRegion = z.infer<typeof rebalanceRegionV1>;

export const revertRebalanceV1 = z.object({ ...commandFields, parameters: revertRebalanceParameters });
export type RevertRebalance = z.infer<typeof revertRebalanceV1>;

/**
 * What a reroute or rebalance did, bounded whatever the number of orders: counts and cost per destination,
 * unassigned orders counted by reason, and a claim check naming where the full assignment is kept (the
 * fulfillment agent's reroute journal in its orders table: `reroute#<key>` and its `parts`).
 */
const rerouteResult = {
  schemaVersion: z.literal(2),
  reroutedCount: z.number().int().nonnegative(),
  /** Total shipping cost of the new assignment, in integer cents. */
  totalCost: z.number().int().nonnegative(),
  /** Orders and cost per destination warehouse, most orders first (at most 100; the rest counted below). */
  destinations: z
    .array(
      z.object({
        warehouseId: z.string().min(1),
        orders: z.number().int().positive(),
        cost: z.number().int().nonnegative(),
      }),
    )
    .max(100),
  otherDestinations: z.number().int().nonnegative(),
  unassignedCount: z.number().int().nonnegative(),
  /** One line per distinct reason, most orders first (at most 20). */
  unassignedReasons: z
    .array(z.object({ reason: z.string().min(1), orders: z.number().int().positive() }))
    .max(20),
  /** Claim check: the journal item holding the full list of assignments and unassigned orders. */
  assignmentsRef: z.object({
    tableName: z.string().min(1),
    key: z.string().min(1),
  }),
};

export const rerouteCompleteV2 = z.object({
  ...commandFields,
  fromWarehouseId: z.string().min(1),
  ...rerouteResult,
});

export const rerouteRevertedV1 = z.object({
  ...commandFields,
  fromWarehouseId: z.string().min(1),
  restoredCount: z.number().int().nonnegative(),
});

export const regionRebalancedV2 = z.object({
  ...commandFields,
  region: z.string().min(1),
  fromWarehouseIds: z.array(z.string().min(1)).min(1),
  ...rerouteResult,
});

export const rebalanceRevertedV1 = z.object({
  ...commandFields,
  region: z.string().min(1),
  restoredCount: z.number().int().nonnegative(),
});

/**
 * A command could not be carried out (bad parameters, nothing can be planned): the saga's waiting task fails
 * at once with `error` and `reason`, instead of timing out.
 */
export const commandFailedV1 = z.object({
  ...commandFields,
  /** The detail-type of the command that failed. */
  commandType: z.string().min(1),
  /** The error's name: the saga's `Catch` matches on it (e.g. `RerouteNotPlannable`). */
  error: z.string().min(1),
  reason: z.string().min(1),
  /** The parameter at fault, when one is. */
  field: z.string().optional(),
});
export type CommandFailed = z.infer<typeof commandFailedV1>;

/** An operator is asked to act: the platform cannot remediate on its own. */
export const remediationEscalatedV1 = z.object({
  ...platformFields,
  planId: z.string().optional(),
  scope: spikeScope.optional(),
  reason: z.string().min(1),
  /** The facts behind the incident and the plan, for the operator. */
  evidence: z.array(z.string()),
});

export const remediationFailedV1 = z.object({
  ...platformFields,
  planId: z.string().optional(),
  stage: z.enum(['planning', 'execution', 'compensation']),
  error: z.string(),
  cause: z.string().optional(),
});

/**
 * Version 2: the saga's reverse walk, task by task from the one that failed back to the first — each task
 * compensated, or skipped because it is irreversible — instead of a list of ids.
 */
export const remediationCompensatedV2 = z.object({
  ...platformFields,
  schemaVersion: z.literal(2),
  planId: z.string().min(1),
  /** The task that failed or timed out. */
  failedTaskId: z.string().min(1),
  /** The error that failed it (e.g. `States.Timeout`, `RerouteNotPlannable`). */
  reason: z.string(),
  compensations: z.array(
    z.object({
      taskId: z.string().min(1),
      taskType: z.string().min(1),
      outcome: z.enum(['compensated', 'irreversible']),
    }),
  ),
});

/**
 * A compensation failed after its retries: the remediation is only partly undone, and an operator must finish
 * it. Emitted by the saga, before it escalates and fails.
 */
export const compensationFailedV1 = z.object({
  ...platformFields,
  planId: z.string().min(1),
  taskId: z.string().min(1),
  taskType: z.string().min(1),
  /** The compensation command that failed, and its idempotency key (resend it with the same key). */
  compensationType: z.string().min(1),
  idempotencyKey: z.string().min(1),
  error: z.string().min(1),
  cause: z.string().optional(),
});

/**
 * An agent kept an event in its dead-letter queue for good, with the reason. It names the event (find it in the
 * DLQ by id) but never carries its content, which may be personal; `correlationId` is the event's own (a command's
 * incident) or, for an event without one, its id.
 */
export const agentErrorV1 = z.object({
  ...platformFields,
  agent: z.string().min(1),
  /** The error's type: `ContractViolation`, or the name of the error that failed the event on its last receive. */
  error: z.string().min(1),
  /** The error's message, redacted and clipped. */
  reason: z.string().max(1024),
  /** The offending field, for a contract violation. */
  field: z.string().optional(),
  /** The rejected event's id and detail-type, when it has them. */
  eventId: z.string().optional(),
  eventDetailType: z.string().optional(),
});
