/**
 * The task catalog: every action a plan may contain, with what it costs, how risky it is, how fast it must
 * finish and how it is undone. Plans are validated against it; the reasoner (later) sees it as its tools.
 */
export interface TaskSpec {
  readonly taskType: 'reroute_orders';
  readonly description: string;
  /** Fixed cost of running the task, in integer cents, before per-order shipping differences. */
  readonly baseCostCents: number;
  readonly risk: 'low' | 'medium' | 'high';
  /** How soon the task should complete to be useful. */
  readonly slaSeconds: number;
  /** How long the saga waits for the task before compensating. */
  readonly timeoutSeconds: number;
  readonly compensation: { readonly taskType: 'revert_reroute'; readonly timeoutSeconds: number };
}

export const taskCatalog: Readonly<Record<TaskSpec['taskType'], TaskSpec>> = {
  reroute_orders: {
    taskType: 'reroute_orders',
    description:
      'Move the open orders of a failing warehouse to warehouses that serve the same regions, at minimum shipping cost within capacity.',
    baseCostCents: 2_500,
    risk: 'medium',
    slaSeconds: 600,
    timeoutSeconds: 900,
    compensation: { taskType: 'revert_reroute', timeoutSeconds: 300 },
  },
};
