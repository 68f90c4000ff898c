import { parseDetail } from '../../lambdas/domain/contracts/parse';
import type { OrderCancellationSpike } from '../../lambdas/domain/contracts/platform';
import type { DraftPlan } from '../../lambdas/domain/memory/reasoner';
import {
  MAX_PLAN_TASKS,
  catalogTools,
  materializeTasks,
  validateDraft,
} from '../../lambdas/domain/planning/task-catalog';
import { rebalanceRegion, rerouteOrders } from '../../lambdas/domain/planning/catalog/fulfillment-tasks';
import {
  notifyCustomers,
  openIncidentTicket,
  pauseWarehouseIntake,
} from '../../lambdas/domain/planning/catalog/operations-tasks';
import { eventFixture, spikeFixture } from '../events/fixtures';

const warehouseSpike = spikeFixture;
/** Every task spec the catalog is made of. */
const specs = [openIncidentTicket, pauseWarehouseIntake, rerouteOrders, rebalanceRegion, notifyCustomers];
const regionSpike = (): OrderCancellationSpike =>
  parseDetail('order_cancellation_spike', eventFixture('order_cancellation_spike', 'region').detail);

const SINCE = '2026-11-20T08:35:00.000Z';
const ticket = {
  taskType: 'open_incident_ticket',
  parameters: { scopeType: 'warehouse', scopeId: 'WH-NYC', severity: 'sev2' },
};
const pause = { taskType: 'pause_warehouse_intake', parameters: { warehouseId: 'WH-NYC' } };
const reroute = { taskType: 'reroute_orders', parameters: { fromWarehouseId: 'WH-NYC', since: SINCE } };
const notify = {
  taskType: 'notify_customers',
  parameters: { scopeType: 'warehouse', scopeId: 'WH-NYC', since: SINCE, template: 'delivery_delay' },
};

const draft = (...tasks: { taskType: string; parameters: unknown }[]): DraftPlan => ({ tasks });
const errorOf = (plan: DraftPlan, spike = warehouseSpike()): string => {
  const validation = validateDraft(plan, spike);
  if (validation.ok) throw new Error('expected the draft to be rejected');
  return validation.error;
};

describe('the task catalog as data', () => {
  it('declares for every task a parameter schema, cost, risk, SLA, timeout, key prefix and either a compensation or irreversible', () => {
    for (const spec of specs) {
      expect([spec.taskType, spec.baseCostCents >= 0, spec.slaSeconds > 0, spec.timeoutSeconds > 0]).toEqual([
        spec.taskType,
        true,
        true,
        true,
      ]);
      expect(['low', 'medium', 'high']).toContain(spec.risk);
      expect(spec.idempotencyPrefix).toMatch(/^[a-z-]+$/);
      // Exactly one of the two.
      expect([spec.taskType, spec.irreversible === true, spec.compensation !== undefined]).toEqual(
        spec.taskType === 'notify_customers' ? [spec.taskType, true, false] : [spec.taskType, false, true],
      );
    }
    const prefixes = specs.flatMap((spec) => [
      spec.idempotencyPrefix,
      ...(spec.compensation ? [spec.compensation.idempotencyPrefix] : []),
    ]);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });

  it('shows the reasoner every task as a tool, saying how it is undone or that it is irreversible', () => {
    const byName = new Map(catalogTools.map((tool) => [tool.name, tool]));
    expect([...byName.keys()].sort()).toEqual(specs.map((spec) => spec.taskType).sort());
    expect(byName.get('notify_customers')!.description).toMatch(/irreversible: nothing undoes it\.$/);
    expect(byName.get('pause_warehouse_intake')!.description).toMatch(
      /undone by resume_warehouse_intake if the plan fails\.$/,
    );
    expect(byName.get('open_incident_ticket')!.inputSchema).toMatchObject({
      required: ['scopeType', 'scopeId', 'severity'],
      properties: { severity: { enum: ['sev1', 'sev2', 'sev3'] } },
    });
  });
});

describe('validateDraft', () => {
  it('accepts a plan of several tasks of the catalog, consistent with the incident', () => {
    const validation = validateDraft(draft(ticket, pause, reroute, notify), warehouseSpike());
    expect(validation).toEqual({
      ok: true,
      tasks: [ticket, pause, reroute, notify],
    });
  });

  it('rejects a task outside the catalog, naming it and the catalog', () => {
    expect(errorOf(draft(ticket, { taskType: 'cancel_all_orders', parameters: {} }))).toBe(
      'task 2 (cancel_all_orders): unknown task type; the catalog has open_incident_ticket, pause_warehouse_intake, reroute_orders, rebalance_region, notify_customers',
    );
  });

  it('rejects bad parameters, naming each field', () => {
    expect(
      errorOf(
        draft(
          { ...ticket, parameters: { ...ticket.parameters, severity: 'urgent' } },
          { ...pause, parameters: {} },
          { ...notify, parameters: { ...notify.parameters, template: 'free text', since: 'yesterday' } },
        ),
      ),
    ).toBe(
      [
        'task 1 (open_incident_ticket): parameters.severity: Invalid option: expected one of "sev1"|"sev2"|"sev3"',
        'task 2 (pause_warehouse_intake): parameters.warehouseId: Invalid input: expected string, received undefined',
        'task 3 (notify_customers): parameters.since: Invalid ISO datetime',
        'task 3 (notify_customers): parameters.template: Invalid option: expected one of "delivery_delay"|"order_rerouted"',
      ].join('; '),
    );
  });

  it('rejects tasks inconsistent with the incident: another scope, another warehouse, a time after the window', () => {
    expect(
      errorOf(
        draft(
          { ...ticket, parameters: { ...ticket.parameters, scopeId: 'WH-BOS' } },
          { ...pause, parameters: { warehouseId: 'WH-BOS' } },
          { ...notify, parameters: { ...notify.parameters, since: '2026-11-21T00:00:00Z' } },
        ),
      ),
    ).toBe(
      [
        `task 1 (open_incident_ticket): open_incident_ticket must name the incident's scope warehouse "WH-NYC", got warehouse "WH-BOS"`,
        `task 2 (pause_warehouse_intake): warehouseId must be the incident's warehouse "WH-NYC", got "WH-BOS"`,
        'task 3 (notify_customers): since must be at or before the end of the incident window (2026-11-20T10:40:00Z), got 2026-11-21T00:00:00Z',
      ].join('; '),
    );
    // A region incident may pause a contributor, never another warehouse.
    const region = regionSpike();
    const contributor = region.contributors![0]!.warehouseId;
    expect(validateDraft(draft({ ...pause, parameters: { warehouseId: contributor } }), region).ok).toBe(
      true,
    );
    expect(errorOf(draft({ ...pause, parameters: { warehouseId: 'WH-NOWHERE' } }), region)).toMatch(
      /^task 1 \(pause_warehouse_intake\): warehouseId must be a contributor of the region incident \(.+\), got "WH-NOWHERE"$/,
    );
  });

  it('rejects too many tasks, no task, and the same task twice', () => {
    const tooMany = draft(...Array.from({ length: MAX_PLAN_TASKS + 1 }, () => ticket));
    expect(errorOf(tooMany)).toBe(
      `the plan has ${MAX_PLAN_TASKS + 1} tasks; at most ${MAX_PLAN_TASKS} are allowed`,
    );
    expect(errorOf(draft())).toMatch(/^the plan has no tasks; propose at least one task from the catalog/);
    expect(errorOf(draft(ticket, reroute, ticket))).toBe(
      'task 3 (open_incident_ticket): repeats task 1 with the same parameters',
    );
  });
});

describe('materializeTasks', () => {
  it('gives reversible tasks their compensation and irreversible ones none, with keys from the correlation id', () => {
    const spike = warehouseSpike();
    const validation = validateDraft(draft(ticket, notify), spike);
    if (!validation.ok) throw new Error(validation.error);
    const ids = { planId: `plan#${spike.correlationId}`, correlationId: spike.correlationId };

    const [opened, notified] = materializeTasks(validation.tasks, ids);

    expect(opened).toMatchObject({
      taskId: `${ids.planId}#task-1`,
      idempotencyKey: `ticket#${spike.correlationId}`,
      compensation: {
        taskType: 'close_incident_ticket',
        idempotencyKey: `close-ticket#${spike.correlationId}`,
        parameters: { ticketId: `ticket#${spike.correlationId}` },
      },
    });
    expect(notified).toMatchObject({ idempotencyKey: `notify#${spike.correlationId}`, irreversible: true });
    expect(notified).not.toHaveProperty('compensation');
    expect(() =>
      parseDetail('remediation_planned', {
        schemaVersion: 1,
        correlationId: spike.correlationId,
        planId: ids.planId,
        entity: 'warehouse#WH-NYC',
        summary: 's',
        evidence: [],
        planner: 'reasoner',
        tasks: [opened, notified],
      }),
    ).not.toThrow();
  });

  it('refuses, by contract, a plan task that is neither compensated nor irreversible', () => {
    const spike = warehouseSpike();
    const validation = validateDraft(draft(notify), spike);
    if (!validation.ok) throw new Error(validation.error);
    const [task] = materializeTasks(validation.tasks, {
      planId: 'plan#1',
      correlationId: spike.correlationId,
    });
    const { irreversible: _dropped, ...unbounded } = task as { irreversible?: true };
    expect(() =>
      parseDetail('remediation_planned', {
        schemaVersion: 1,
        correlationId: spike.correlationId,
        planId: 'plan#1',
        entity: 'warehouse#WH-NYC',
        summary: 's',
        evidence: [],
        planner: 'reasoner',
        tasks: [unbounded],
      }),
    ).toThrow(/detail\.tasks\.0\.irreversible/);
  });
});
