import { z } from 'zod';
import {
  rebalanceParameters,
  rerouteParameters,
  type OrderCancellationSpike,
  type PlanTask,
} from '../contracts/platform';
import type { CatalogTool, DraftPlan } from '../memory/reasoner';

type RerouteParameters = z.infer<typeof rerouteParameters>;
type RebalanceParameters = z.infer<typeof rebalanceParameters>;
type Compensation = PlanTask['compensation'];

/**
 * The task catalog: every action a plan may contain, with what it costs, how risky it is, how fast it must
 * finish and how it is undone. Plans are validated against it; the reasoner sees it as its tools.
 */
export interface TaskSpec<T extends PlanTask['taskType'] = PlanTask['taskType'], P = unknown> {
  readonly taskType: T;
  readonly description: string;
  /** The parameters the planner (rule, template or reasoner) supplies; everything else comes from here. */
  readonly parameters: z.ZodType<P>;
  /** Fixed cost of running the task, in integer cents, before per-order shipping differences. */
  readonly baseCostCents: number;
  readonly risk: 'low' | 'medium' | 'high';
  /** How soon the task should complete to be useful. */
  readonly slaSeconds: number;
  /** How long the saga waits for the task before compensating. */
  readonly timeoutSeconds: number;
  /** Idempotency keys read `<prefix>#<correlation id>`, so a re-planned incident issues the same keys. */
  readonly idempotencyPrefix: string;
  readonly compensation: {
    readonly taskType: Compensation['taskType'];
    readonly timeoutSeconds: number;
    readonly idempotencyPrefix: string;
    /** The compensation's parameters, given the task's and the task's idempotency key. */
    readonly parameters: (params: P, taskIdempotencyKey: string) => Compensation['parameters'];
  };
  /** Checks that need the incident (the schema cannot know it); returns what is wrong, if anything. */
  readonly check: (params: P, incident: OrderCancellationSpike) => string | undefined;
  /** One sentence for the plan summary. */
  readonly summarize: (params: P) => string;
}

const sinceCheck = (since: string, incident: OrderCancellationSpike): string | undefined =>
  Date.parse(since) > Date.parse(incident.window.end)
    ? `since must be at or before the end of the incident window (${incident.window.end}), got ${since}`
    : undefined;

const rerouteOrders: TaskSpec<'reroute_orders', RerouteParameters> = {
  taskType: 'reroute_orders',
  description:
    'Move the open orders of a failing warehouse to warehouses that serve the same regions, at minimum shipping cost within capacity.',
  parameters: rerouteParameters.extend({
    fromWarehouseId: rerouteParameters.shape.fromWarehouseId.describe(
      'The failing warehouse whose open orders move: the warehouse the incident is about.',
    ),
    since: rerouteParameters.shape.since.describe(
      'Open orders placed at or after this ISO 8601 time move; at or before the end of the incident window.',
    ),
  }),
  baseCostCents: 2_500,
  risk: 'medium',
  slaSeconds: 600,
  timeoutSeconds: 900,
  idempotencyPrefix: 'reroute',
  compensation: {
    taskType: 'revert_reroute',
    timeoutSeconds: 300,
    idempotencyPrefix: 'revert',
    parameters: (params, key) => ({ fromWarehouseId: params.fromWarehouseId, rerouteIdempotencyKey: key }),
  },
  check: (params, incident) => {
    if (incident.scope.type !== 'warehouse') {
      return `reroute_orders needs a warehouse-scoped incident; this one is scoped to ${incident.scope.type} ${incident.scope.id}`;
    }
    if (params.fromWarehouseId !== incident.scope.id) {
      return `fromWarehouseId must be the incident's warehouse "${incident.scope.id}", got "${params.fromWarehouseId}"`;
    }
    return sinceCheck(params.since, incident);
  },
  summarize: (params) =>
    `Reroute open orders placed at ${params.fromWarehouseId} since ${params.since} to other warehouses serving their regions.`,
};

const rebalanceRegion: TaskSpec<'rebalance_region', RebalanceParameters> = {
  taskType: 'rebalance_region',
  description:
    "Move a customer region's open orders away from the warehouses whose deliveries to it fail (the incident's contributors) to other warehouses that serve the region, at minimum shipping cost within capacity. When no other warehouse can serve the region, the task fails and an operator is notified with the evidence.",
  parameters: rebalanceParameters.extend({
    region: rebalanceParameters.shape.region.describe(
      'The customer region whose orders move: the region the incident is about.',
    ),
    fromWarehouseIds: rebalanceParameters.shape.fromWarehouseIds.describe(
      "The warehouses the region's orders leave: contributors named by the incident.",
    ),
    since: rebalanceParameters.shape.since.describe(
      'Open orders placed at or after this ISO 8601 time move; at or before the end of the incident window.',
    ),
  }),
  baseCostCents: 4_000,
  risk: 'high',
  slaSeconds: 900,
  timeoutSeconds: 900,
  idempotencyPrefix: 'rebalance',
  compensation: {
    taskType: 'revert_rebalance',
    timeoutSeconds: 300,
    idempotencyPrefix: 'revert-rebalance',
    parameters: (params, key) => ({ region: params.region, rerouteIdempotencyKey: key }),
  },
  check: (params, incident) => {
    if (incident.scope.type !== 'region') {
      return `rebalance_region needs a region-scoped incident; this one is scoped to ${incident.scope.type} ${incident.scope.id}`;
    }
    if (params.region !== incident.scope.id) {
      return `region must be the incident's region "${incident.scope.id}", got "${params.region}"`;
    }
    const contributors = new Set((incident.contributors ?? []).map((c) => c.warehouseId));
    const strangers = params.fromWarehouseIds.filter((id) => !contributors.has(id));
    if (strangers.length > 0) {
      return `fromWarehouseIds must be contributors of the incident (${[...contributors].join(', ') || 'none named'}), got ${strangers.join(', ')}`;
    }
    if (new Set(params.fromWarehouseIds).size !== params.fromWarehouseIds.length) {
      return 'fromWarehouseIds must not repeat a warehouse';
    }
    return sinceCheck(params.since, incident);
  },
  summarize: (params) =>
    `Move open orders of region ${params.region} placed since ${params.since} away from ${params.fromWarehouseIds.join(', ')} to other warehouses serving the region.`,
};

type AnySpec = TaskSpec<PlanTask['taskType'], never>;

export const taskCatalog: Readonly<Record<PlanTask['taskType'], TaskSpec<PlanTask['taskType'], never>>> = {
  reroute_orders: rerouteOrders as unknown as AnySpec,
  rebalance_region: rebalanceRegion as unknown as AnySpec,
};

/** A plan has at most this many tasks: the saga runs them in order, and a long plan needs a human. */
export const MAX_PLAN_TASKS = 5;

const isCatalogTask = (taskType: string): taskType is PlanTask['taskType'] =>
  Object.hasOwn(taskCatalog, taskType);

/** Drops what tool schemas don't need: `$schema`, and regex patterns where a `format` already says it. */
function toolSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toolSchema);
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node as Record<string, unknown>).filter(
    ([key]) => key !== '$schema' && !(key === 'pattern' && 'format' in node),
  );
  return Object.fromEntries(entries.map(([key, value]) => [key, toolSchema(value)]));
}

/** The catalog as tools, each with the JSON Schema of its parameters generated from zod. */
export const catalogTools: readonly CatalogTool[] = Object.values(taskCatalog).map((spec) => ({
  name: spec.taskType,
  description: `${spec.description} Risk ${spec.risk}; costs about ${spec.baseCostCents} cents; undone by ${spec.compensation.taskType}.`,
  inputSchema: toolSchema(z.toJSONSchema(spec.parameters, { io: 'input' })) as Record<string, unknown>,
}));

/** A draft task that passed validation. */
export type ValidTask =
  | { readonly taskType: 'reroute_orders'; readonly parameters: RerouteParameters }
  | { readonly taskType: 'rebalance_region'; readonly parameters: RebalanceParameters };

export type DraftValidation =
  | { readonly ok: true; readonly tasks: readonly ValidTask[] }
  | { readonly ok: false; readonly error: string };

const issuePath = (path: readonly PropertyKey[]): string => ['parameters', ...path.map(String)].join('.');

/**
 * Validates a draft against the catalog: known task types, parameters valid by each task's schema and
 * consistent with the incident. The error names every problem, task by task, so the reasoner can correct
 * them in one retry.
 */
export function validateDraft(draft: DraftPlan, incident: OrderCancellationSpike): DraftValidation {
  if (draft.tasks.length === 0) {
    return {
      ok: false,
      error: `the plan has no tasks; propose at least one task from the catalog (${Object.keys(taskCatalog).join(', ')})`,
    };
  }
  if (draft.tasks.length > MAX_PLAN_TASKS) {
    return {
      ok: false,
      error: `the plan has ${draft.tasks.length} tasks; at most ${MAX_PLAN_TASKS} are allowed`,
    };
  }
  const problems: string[] = [];
  const tasks: ValidTask[] = [];
  draft.tasks.forEach((task, index) => {
    const label = `task ${index + 1} (${task.taskType})`;
    if (!isCatalogTask(task.taskType)) {
      problems.push(`${label}: unknown task type; the catalog has ${Object.keys(taskCatalog).join(', ')}`);
      return;
    }
    const spec = taskCatalog[task.taskType];
    const parsed = spec.parameters.safeParse(task.parameters);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`${label}: ${issuePath(issue.path)}: ${issue.message}`);
      }
      return;
    }
    const wrong = spec.check(parsed.data, incident);
    if (wrong !== undefined) {
      problems.push(`${label}: ${wrong}`);
      return;
    }
    tasks.push({ taskType: task.taskType, parameters: parsed.data });
  });
  return problems.length > 0 ? { ok: false, error: problems.join('; ') } : { ok: true, tasks };
}

/**
 * Turns validated tasks into plan tasks: cost, risk, SLA, timeout and compensation from the catalog, ids and
 * idempotency keys from the incident, so the same incident always yields the same keys.
 */
export function materializeTasks(
  tasks: readonly ValidTask[],
  ids: { readonly planId: string; readonly correlationId: string },
): PlanTask[] {
  const seen = new Map<string, number>();
  return tasks.map((task, index) => {
    const spec = taskCatalog[task.taskType];
    const occurrence = (seen.get(task.taskType) ?? 0) + 1;
    seen.set(task.taskType, occurrence);
    const suffix = occurrence === 1 ? '' : `#${occurrence}`;
    const idempotencyKey = `${spec.idempotencyPrefix}#${ids.correlationId}${suffix}`;
    return {
      taskId: `${ids.planId}#task-${index + 1}`,
      taskType: spec.taskType,
      parameters: task.parameters,
      costCents: spec.baseCostCents,
      risk: spec.risk,
      slaSeconds: spec.slaSeconds,
      timeoutSeconds: spec.timeoutSeconds,
      idempotencyKey,
      compensation: {
        taskType: spec.compensation.taskType,
        parameters: spec.compensation.parameters(task.parameters as never, idempotencyKey),
        idempotencyKey: `${spec.compensation.idempotencyPrefix}#${ids.correlationId}${suffix}`,
        timeoutSeconds: spec.compensation.timeoutSeconds,
      },
    } as PlanTask;
  });
}

/** The plan summary: one sentence per task. */
export function summarizeTasks(tasks: readonly ValidTask[]): string {
  return tasks.map((task) => taskCatalog[task.taskType].summarize(task.parameters as never)).join(' ');
}
