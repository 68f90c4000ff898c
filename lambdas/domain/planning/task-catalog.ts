import { z } from 'zod';
import type { OrderCancellationSpike, PlanTask } from '../contracts/platform';
import type { CatalogTool, DraftPlan } from '../memory/reasoner';
import { rebalanceRegion, rerouteOrders } from './catalog/fulfillment-tasks';
import { notifyCustomers, openIncidentTicket, pauseWarehouseIntake } from './catalog/operations-tasks';
import type { ParametersOf, TaskSpec, TaskType } from './catalog/task-spec';

/**
 * The task catalog: every action a plan may contain, as data — parameter schema, cost, risk, SLA, timeout,
 * idempotency-key derivation and either a compensation or `irreversible`. Plans are validated against it; the
 * reasoner sees it as its tools; the saga runs any plan of its tasks with one definition.
 */
const taskCatalog: { readonly [T in TaskType]: TaskSpec<T> } = {
  open_incident_ticket: openIncidentTicket,
  pause_warehouse_intake: pauseWarehouseIntake,
  reroute_orders: rerouteOrders,
  rebalance_region: rebalanceRegion,
  notify_customers: notifyCustomers,
};

/** The spec of a task type, with its parameter type erased (validation has already checked them). */
const specOf = (taskType: TaskType): TaskSpec => taskCatalog[taskType] as unknown as TaskSpec;

/** A plan has at most this many tasks: the saga runs them in order, and a long plan needs a human. */
export const MAX_PLAN_TASKS = 5;

/**
 * The longest any catalog task and its compensation may each take (their timeouts, in seconds): what the saga's
 * execution timeout must leave room for, per task (lib/saga-definition.ts checks it at synth).
 */
export const longestTaskSeconds = (): { task: number; compensation: number } => {
  let task = 0;
  let compensation = 0;
  for (const spec of Object.values(taskCatalog) as TaskSpec[]) {
    task = Math.max(task, spec.timeoutSeconds);
    compensation = Math.max(compensation, spec.compensation?.timeoutSeconds ?? 0);
  }
  return { task, compensation };
};

const isCatalogTask = (taskType: string): taskType is TaskType => Object.hasOwn(taskCatalog, taskType);

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
export const catalogTools: readonly CatalogTool[] = (Object.keys(taskCatalog) as TaskType[]).map(
  (taskType) => {
    const spec = specOf(taskType);
    const undo = spec.irreversible
      ? 'irreversible: nothing undoes it'
      : `undone by ${String(spec.compensation.taskType)} if the plan fails`;
    return {
      name: spec.taskType,
      description: `${spec.description} Risk ${spec.risk}; costs about ${spec.baseCostCents} cents; ${undo}.`,
      inputSchema: toolSchema(z.toJSONSchema(spec.parameters, { io: 'input' })) as Record<string, unknown>,
    };
  },
);

/** A draft task that passed validation. */
export type ValidTask = {
  readonly [T in TaskType]: { readonly taskType: T; readonly parameters: ParametersOf<T> };
}[TaskType];

export type DraftValidation =
  | { readonly ok: true; readonly tasks: readonly ValidTask[] }
  | { readonly ok: false; readonly error: string };

const issuePath = (path: readonly PropertyKey[]): string => ['parameters', ...path.map(String)].join('.');

/** The same task twice (same type and parameters) in one plan: the second would only repeat the first. */
const repeatKey = (task: ValidTask): string => `${task.taskType} ${JSON.stringify(task.parameters)}`;

/**
 * Validates a draft against the catalog: at least one and at most `MAX_PLAN_TASKS` tasks, known task types,
 * parameters valid by each task's schema and consistent with the incident, no task repeated. The error names
 * every problem, task by task, so the reasoner can correct them in one retry.
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
    const spec = specOf(task.taskType);
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
    const valid = { taskType: task.taskType, parameters: parsed.data } as ValidTask;
    const earlier = tasks.findIndex((other) => repeatKey(other) === repeatKey(valid));
    if (earlier >= 0) {
      problems.push(`${label}: repeats task ${earlier + 1} with the same parameters`);
      return;
    }
    tasks.push(valid);
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
    const spec = specOf(task.taskType);
    const occurrence = (seen.get(task.taskType) ?? 0) + 1;
    seen.set(task.taskType, occurrence);
    const suffix = occurrence === 1 ? '' : `#${occurrence}`;
    const idempotencyKey = `${spec.idempotencyPrefix}#${ids.correlationId}${suffix}`;
    const base = {
      taskId: `${ids.planId}#task-${index + 1}`,
      taskType: spec.taskType,
      parameters: task.parameters,
      costCents: spec.baseCostCents,
      risk: spec.risk,
      slaSeconds: spec.slaSeconds,
      timeoutSeconds: spec.timeoutSeconds,
      idempotencyKey,
    };
    if (spec.irreversible) return { ...base, irreversible: true } as PlanTask;
    return {
      ...base,
      compensation: {
        taskType: spec.compensation.taskType,
        parameters: spec.compensation.parameters(task.parameters, idempotencyKey),
        idempotencyKey: `${spec.compensation.idempotencyPrefix}#${ids.correlationId}${suffix}`,
        timeoutSeconds: spec.compensation.timeoutSeconds,
      },
    } as PlanTask;
  });
}

/** The plan summary: one sentence per task. */
export function summarizeTasks(tasks: readonly ValidTask[]): string {
  return tasks.map((task) => specOf(task.taskType).summarize(task.parameters)).join(' ');
}
