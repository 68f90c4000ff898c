import type { z } from 'zod';
import type { OrderCancellationSpike, PlanTask } from '../../contracts/platform';

/** Every task type of the catalog. */
export type TaskType = PlanTask['taskType'];

/** The parameters of a task type, as its contract declares them. */
export type ParametersOf<T extends TaskType> = Extract<PlanTask, { taskType: T }>['parameters'];

type CompensationOf<T extends TaskType> =
  Extract<PlanTask, { taskType: T }> extends {
    compensation: infer C;
  }
    ? C
    : never;

/** How a reversible task is undone: the compensation command, its timeout and how its parameters derive. */
interface CompensationSpec<T extends TaskType> {
  readonly taskType: CompensationOf<T> extends { taskType: infer C } ? C : never;
  readonly timeoutSeconds: number;
  /** Keys read `<prefix>#<correlation id>`, like the task's own. */
  readonly idempotencyPrefix: string;
  /** The compensation's parameters, given the task's and the task's idempotency key. */
  readonly parameters: (
    params: ParametersOf<T>,
    taskIdempotencyKey: string,
  ) => CompensationOf<T> extends { parameters: infer P } ? P : never;
}

interface TaskSpecFields<T extends TaskType> {
  readonly taskType: T;
  readonly description: string;
  /** The parameters the planner (rule, template or reasoner) supplies; everything else comes from here. */
  readonly parameters: z.ZodType<ParametersOf<T>>;
  /** Fixed cost of running the task, in integer cents. */
  readonly baseCostCents: number;
  readonly risk: 'low' | 'medium' | 'high';
  /** How soon the task should complete to be useful. */
  readonly slaSeconds: number;
  /** How long the saga waits for the task's answer before compensating. */
  readonly timeoutSeconds: number;
  /**
   * Idempotency-key derivation: keys read `<prefix>#<correlation id>` (`#<n>` added for the n-th task of the
   * same type in one plan), so a re-planned incident issues the same keys and a redelivered command has no
   * second effect.
   */
  readonly idempotencyPrefix: string;
  /** Checks that need the incident (the schema cannot know it); returns what is wrong, if anything. */
  readonly check: (params: ParametersOf<T>, incident: OrderCancellationSpike) => string | undefined;
  /** One sentence for the plan summary. */
  readonly summarize: (params: ParametersOf<T>) => string;
}

/**
 * A task type of the catalog: what it costs, how risky it is, how fast it must finish and EITHER how it is
 * undone (`compensation`) OR that nothing undoes it (`irreversible`, which policy can require approval for).
 */
export type TaskSpec<T extends TaskType = TaskType> = TaskSpecFields<T> &
  (
    | { readonly compensation: CompensationSpec<T>; readonly irreversible?: never }
    | { readonly irreversible: true; readonly compensation?: never }
  );

/** `since` must not lie after the incident window: the orders to act on were placed before it ended. */
export const sinceCheck = (since: string, incident: OrderCancellationSpike): string | undefined =>
  Date.parse(since) > Date.parse(incident.window.end)
    ? `since must be at or before the end of the incident window (${incident.window.end}), got ${since}`
    : undefined;

/** A task addressed to the incident's scope must name it exactly. */
export const scopeCheck = (
  taskType: TaskType,
  params: { readonly scopeType: string; readonly scopeId: string },
  incident: OrderCancellationSpike,
): string | undefined =>
  params.scopeType !== incident.scope.type || params.scopeId !== incident.scope.id
    ? `${taskType} must name the incident's scope ${incident.scope.type} "${incident.scope.id}", got ${params.scopeType} "${params.scopeId}"`
    : undefined;
