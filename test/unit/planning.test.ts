import { spikeFixture } from '../events/fixtures';
import { parseDetail } from '../../lambdas/domain/contracts/parse';
import { outcomeEvidence } from '../../lambdas/domain/planning/evidence';
import { ruleDraft } from '../../lambdas/domain/planning/plan';
import { rerouteOrders } from '../../lambdas/domain/planning/catalog/fulfillment-tasks';
import { rulePlan } from './rule-plan';

const spike = () => spikeFixture();

describe('the rule plan', () => {
  it('turns a warehouse spike into a ticket, an intake pause and a reroute, each with its compensation, valid against the contract', () => {
    const plan = rulePlan(spike());
    expect(() => parseDetail('remediation_planned', plan)).not.toThrow();
    expect(plan.tasks.map((task) => task.taskType)).toEqual([
      'open_incident_ticket',
      'pause_warehouse_intake',
      'reroute_orders',
    ]);
    const [ticket, pause, task] = plan.tasks;
    expect(ticket).toMatchObject({
      parameters: { scopeType: 'warehouse', scopeId: 'WH-NYC', severity: 'sev2' },
      compensation: { taskType: 'close_incident_ticket', parameters: { ticketId: ticket!.idempotencyKey } },
    });
    expect(pause).toMatchObject({
      parameters: { warehouseId: 'WH-NYC' },
      compensation: {
        taskType: 'resume_warehouse_intake',
        parameters: { warehouseId: 'WH-NYC', pauseIdempotencyKey: pause!.idempotencyKey },
      },
    });
    expect(task).toMatchObject({
      taskType: 'reroute_orders',
      parameters: { fromWarehouseId: 'WH-NYC', since: '2026-11-20T08:35:00.000Z' },
      costCents: rerouteOrders.baseCostCents,
      timeoutSeconds: rerouteOrders.timeoutSeconds,
      compensation: {
        taskType: 'revert_reroute',
        parameters: { fromWarehouseId: 'WH-NYC', rerouteIdempotencyKey: task!.idempotencyKey },
      },
    });
  });

  it('is deterministic, so a retried planning step issues the same idempotency keys', () => {
    expect(rulePlan(spike())).toEqual(rulePlan(spike()));
    expect(rulePlan(spike()).tasks.map((task) => task.idempotencyKey)).toEqual([
      'ticket#warehouse#WH-NYC#2026-11-20T10:35:00Z',
      'pause-intake#warehouse#WH-NYC#2026-11-20T10:35:00Z',
      'reroute#warehouse#WH-NYC#2026-11-20T10:35:00Z',
    ]);
  });

  it('names its evidence: the observed and baseline ratios', () => {
    expect(rulePlan(spike()).evidence[0]).toBe(
      'cancellation ratio at WH-NYC is 45.0% against a baseline of 4.8%',
    );
  });

  it('asks for a human when a region incident names no contributing warehouse', () => {
    const draft = ruleDraft({ ...spike(), scope: { type: 'region', id: 'us-east' } });
    expect(draft.tasks).toEqual([]);
    expect(draft.escalation).toBe(
      'region us-east: the incident names no contributing warehouse to move orders away from',
    );
  });

  it('summarises the entity outcome history from episodic memory', () => {
    const record = (outcome: string) => ({
      entity: 'warehouse#WH-NYC',
      time: '2026-11-01T00:00:00Z',
      kind: 'remediation_outcome',
      correlationId: 'c',
      data: { outcome },
    });
    expect(
      outcomeEvidence(
        'warehouse#WH-NYC',
        [record('succeeded'), record('compensated'), { ...record('x'), kind: 'plan' }],
        30,
      ),
    ).toBe(
      '2 remediation(s) of warehouse#WH-NYC in the last 30 days: 1 succeeded, 1 compensated (episodic memory)',
    );
  });
});
