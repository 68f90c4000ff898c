import { spikeFixture } from '../events/fixtures';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoEpisodicStore } from '../../lambdas/adapters/dynamodb-episodic-store';
import { DynamoProceduralStore } from '../../lambdas/adapters/dynamodb-procedural-store';
import { InMemorySemanticIndex } from './in-memory-semantic-index';
import { LocalEmbedder } from '../../local/bedrock/local-embedder';
import { parseDetail } from '../../lambdas/domain/contracts/parse';
import type { OrderCancellationSpike, RemediationPlan } from '../../lambdas/domain/contracts/platform';
import type { DraftPlan, Reasoner, ReasoningRequest } from '../../lambdas/domain/memory/reasoner';
import { EscalationRequired, ReasonerUnavailable } from '../../lambdas/domain/planning/errors';
import { OutcomeLearner, type FulfillmentFacts } from '../../lambdas/domain/planning/learning';
import { ruleDraft } from '../../lambdas/domain/planning/plan';
import { rulePlan } from '../unit/rule-plan';
import { RemediationPlanner, type PlanningResult } from '../../lambdas/domain/planning/planner';
import { pkSkTable, startDynamo, type LocalDynamo } from './dynalite';

const FAMILY = 'order_cancellation_spike/warehouse';
const THRESHOLD = 0.85;
const CONTEXT = { region: 'us-east' };

const fixture = (): OrderCancellationSpike => spikeFixture();

/** The fixture's spike moved to `start` (a 5-minute window) at `warehouse`, with its own incident key. */
const spikeAt = (start: string, warehouse = 'WH-NYC', overrides: Partial<OrderCancellationSpike> = {}) => {
  const end = new Date(Date.parse(start) + 5 * 60_000).toISOString().replace('.000Z', 'Z');
  const key = `warehouse#${warehouse}#${start}`;
  return {
    ...fixture(),
    correlationId: key,
    incidentKey: key,
    scope: { type: 'warehouse' as const, id: warehouse },
    window: { start, end },
    ...overrides,
  };
};

/** A reasoner that answers with the rule (as the sandbox's model does), counting what it was asked. */
class RecordingReasoner implements Reasoner {
  readonly requests: ReasoningRequest[] = [];

  propose(request: ReasoningRequest): Promise<DraftPlan> {
    this.requests.push(request);
    return Promise.resolve(ruleDraft(request.incident));
  }
}

/** A reasoner that answers with the given drafts in turn (a model that gets it wrong first). */
class ScriptedReasoner implements Reasoner {
  readonly requests: ReasoningRequest[] = [];

  constructor(private readonly drafts: DraftPlan[]) {}

  propose(request: ReasoningRequest): Promise<DraftPlan> {
    this.requests.push(request);
    const draft = this.drafts[this.requests.length - 1];
    return draft ? Promise.resolve(draft) : Promise.reject(new Error('no scripted draft left'));
  }
}

const invalidDraft: DraftPlan = {
  tasks: [
    {
      taskType: 'reroute_orders',
      parameters: { fromWarehouseId: 'WH-BOS', since: 'two hours ago' },
      callId: 't1',
    },
  ],
};
const validDraft: DraftPlan = {
  tasks: [
    {
      taskType: 'reroute_orders',
      parameters: { fromWarehouseId: 'WH-NYC', since: '2026-11-20T09:35:00.000Z' },
    },
  ],
  rationale: 'cancellations concentrate at WH-NYC; rerouting resolved similar incidents',
};

const planned = (result: PlanningResult): RemediationPlan => {
  if (result.status !== 'planned')
    throw new Error(`expected a plan, got ${JSON.stringify(result.escalation)}`);
  return result.plan;
};

describe('RemediationPlanner', () => {
  let dynamo: LocalDynamo;
  let tableCount = 0;

  beforeAll(async () => {
    dynamo = await startDynamo([]);
  });
  afterAll(() => dynamo.stop());

  /** Real local adapters on fresh tables: local embedder, in-process index, DynamoDB stores on dynalite. */
  async function memory(reasoner: Reasoner = new RecordingReasoner()) {
    tableCount += 1;
    const episodicTable = `Episodic${tableCount}`;
    const proceduralTable = `Procedural${tableCount}`;
    await dynamo.client.send(new CreateTableCommand(pkSkTable(episodicTable)));
    await dynamo.client.send(new CreateTableCommand(pkSkTable(proceduralTable)));
    const ports = {
      embedder: new LocalEmbedder(),
      semantic: new InMemorySemanticIndex(),
      episodic: new DynamoEpisodicStore(episodicTable, dynamo.client),
      procedural: new DynamoProceduralStore(proceduralTable, dynamo.client),
      reasoner,
    };
    return {
      ...ports,
      planner: new RemediationPlanner(ports, { templateThreshold: THRESHOLD }),
      learner: new OutcomeLearner(ports, { templateThreshold: THRESHOLD }),
    };
  }

  type Memory = Awaited<ReturnType<typeof memory>>;

  /** A past incident remediated by the rule plan, with its outcome learnt. */
  async function remediated(
    m: Memory,
    spike: OrderCancellationSpike,
    outcome: 'succeeded' | 'compensated',
    fulfillment?: FulfillmentFacts,
  ) {
    const plan = rulePlan(spike);
    return m.learner.learn({
      spike,
      context: CONTEXT,
      plan,
      outcome,
      time: spike.window.end,
      ...(fulfillment === undefined ? {} : { fulfillment }),
    });
  }

  describe('template reuse', () => {
    it('reuses a similar enough procedural template and does not ask the reasoner', async () => {
      const reasoner = new RecordingReasoner();
      const m = await memory(reasoner);
      await remediated(m, spikeAt('2026-11-13T10:35:00Z'), 'succeeded');
      const spike = spikeAt('2026-11-20T10:35:00Z', 'WH-NYC', { observedRatio: 0.38, cancelled: 8 });

      const plan = planned(await m.planner.plan({ spike, context: CONTEXT }));

      expect(reasoner.requests).toHaveLength(0);
      expect(plan.planner).toBe('template');
      expect(plan.templateId).toBe(`${FAMILY}@warehouse#WH-NYC#2026-11-13T10:35:00Z`);
      expect(plan.tasks.map((task) => task.taskType)).toEqual([
        'open_incident_ticket',
        'pause_warehouse_intake',
        'reroute_orders',
      ]);
      expect(plan.tasks[2]).toMatchObject({
        taskType: 'reroute_orders',
        parameters: { fromWarehouseId: 'WH-NYC', since: '2026-11-20T08:35:00.000Z' },
        idempotencyKey: 'reroute#warehouse#WH-NYC#2026-11-20T10:35:00Z',
      });
      expect(plan.evidence.at(-1)).toMatch(
        /^reused procedural template order_cancellation_spike\/warehouse@warehouse#WH-NYC#2026-11-13T10:35:00Z \(open_incident_ticket>pause_warehouse_intake>reroute_orders; 1 succeeded, 0 compensated, score 0\.67\) at cosine 0\.\d\d ≥ 0\.85$/,
      );
      expect(() => parseDetail('remediation_planned', plan)).not.toThrow();
    });

    it('gives the same tasks and idempotency keys as the rule would, so a re-plan is idempotent', async () => {
      const m = await memory();
      await remediated(m, spikeAt('2026-11-13T10:35:00Z'), 'succeeded');
      const spike = spikeAt('2026-11-20T10:35:00Z');

      const plan = planned(await m.planner.plan({ spike, context: CONTEXT }));

      expect(plan.planner).toBe('template');
      expect(plan.tasks).toEqual(rulePlan(spike).tasks);
    });

    it('asks the reasoner when no template is similar enough (another warehouse)', async () => {
      const reasoner = new RecordingReasoner();
      const m = await memory(reasoner);
      await remediated(m, spikeAt('2026-11-13T10:35:00Z', 'WH-BOS'), 'succeeded');

      const plan = planned(
        await m.planner.plan({ spike: spikeAt('2026-11-20T10:35:00Z'), context: CONTEXT }),
      );

      expect(reasoner.requests).toHaveLength(1);
      expect(plan.planner).toBe('reasoner');
      expect(plan.templateId).toBeUndefined();
      expect(plan.evidence).toContain(
        `no procedural template for ${FAMILY} at cosine ≥ 0.85 (procedural memory)`,
      );
    });

    it('asks the reasoner when the similar template was compensated too often', async () => {
      const reasoner = new RecordingReasoner();
      const m = await memory(reasoner);
      await remediated(m, spikeAt('2026-11-06T10:35:00Z'), 'succeeded');
      await remediated(m, spikeAt('2026-11-09T10:35:00Z'), 'compensated');
      await remediated(m, spikeAt('2026-11-13T10:35:00Z'), 'compensated');

      const plan = planned(
        await m.planner.plan({ spike: spikeAt('2026-11-20T10:35:00Z'), context: CONTEXT }),
      );

      expect(reasoner.requests).toHaveLength(1);
      expect(plan.planner).toBe('reasoner');
      expect(plan.evidence.join('\n')).toMatch(
        /procedural template \S+ matches at cosine [01]\.\d\d but scores below 0\.50 \(1 succeeded, 2 compensated, score 0\.40\)/,
      );
    });
  });

  describe('reasoner validation', () => {
    it('retries an invalid plan once, with the validation error in the second request', async () => {
      const reasoner = new ScriptedReasoner([invalidDraft, validDraft]);
      const m = await memory(reasoner);

      const plan = planned(
        await m.planner.plan({ spike: spikeAt('2026-11-20T10:35:00Z'), context: CONTEXT }),
      );

      expect(reasoner.requests).toHaveLength(2);
      expect(reasoner.requests[0]!.rejected).toBeUndefined();
      expect(reasoner.requests[0]!.catalog.map((tool) => tool.name)).toEqual([
        'open_incident_ticket',
        'pause_warehouse_intake',
        'reroute_orders',
        'rebalance_region',
        'notify_customers',
      ]);
      expect(reasoner.requests[1]!.rejected).toEqual({
        draft: invalidDraft,
        error: 'task 1 (reroute_orders): parameters.since: Invalid ISO datetime',
      });
      expect(plan).toMatchObject({
        planner: 'reasoner',
        tasks: [{ parameters: { fromWarehouseId: 'WH-NYC', since: '2026-11-20T09:35:00.000Z' } }],
      });
      expect(plan.evidence).toContain(
        "the reasoner's first plan was rejected (task 1 (reroute_orders): parameters.since: Invalid ISO datetime); its corrected plan passed validation",
      );
      expect(plan.evidence.at(-1)).toBe(`reasoner: ${String(validDraft.rationale)}`);
    });

    it('tells the reasoner which warehouse the incident is about when it names another', async () => {
      const wrongWarehouse: DraftPlan = {
        tasks: [
          {
            taskType: 'reroute_orders',
            parameters: { fromWarehouseId: 'WH-BOS', since: '2026-11-20T09:35:00Z' },
          },
        ],
      };
      const reasoner = new ScriptedReasoner([wrongWarehouse, validDraft]);
      const m = await memory(reasoner);

      await m.planner.plan({ spike: spikeAt('2026-11-20T10:35:00Z'), context: CONTEXT });

      expect(reasoner.requests[1]!.rejected?.error).toBe(
        'task 1 (reroute_orders): fromWarehouseId must be the incident\'s warehouse "WH-NYC", got "WH-BOS"',
      );
    });

    it('escalates when the corrected plan is invalid too, without a third request', async () => {
      const unknownTask: DraftPlan = { tasks: [{ taskType: 'cancel_all_orders', parameters: {} }] };
      const reasoner = new ScriptedReasoner([invalidDraft, unknownTask, validDraft]);
      const m = await memory(reasoner);
      const spike = spikeAt('2026-11-20T10:35:00Z');

      const result = await m.planner.plan({ spike, context: CONTEXT });

      expect(reasoner.requests).toHaveLength(2);
      expect(result.status).toBe('escalated');
      if (result.status !== 'escalated') return;
      expect(result.escalation).toMatchObject({
        correlationId: spike.correlationId,
        entity: 'warehouse#WH-NYC',
        reason: 'reasoner_output_invalid',
        message:
          "the reasoner's plan failed validation twice; last error: task 1 (cancel_all_orders): unknown task type; the catalog has open_incident_ticket, pause_warehouse_intake, reroute_orders, rebalance_region, notify_customers",
      });
      expect(result.escalation.attempts.map((attempt) => attempt.draft)).toEqual([invalidDraft, unknownTask]);
      const error = new EscalationRequired(result.escalation);
      expect(error.name).toBe('EscalationRequired');
      expect(error.message).toBe(
        `incident ${spike.correlationId} needs an operator (reasoner_output_invalid): ${result.escalation.message}`,
      );
      const history = await m.episodic.history(
        'warehouse#WH-NYC',
        '2026-11-20T00:00:00Z',
        '2026-11-21T00:00:00Z',
      );
      expect(history).toEqual([
        expect.objectContaining({
          kind: 'planning_escalated',
          data: expect.objectContaining({ reason: 'reasoner_output_invalid', attempts: 2 }),
        }),
        // The decision trace: each model call with its draft and why validation refused it.
        expect.objectContaining({
          kind: 'reasoning',
          discriminator: 'attempt-1',
          data: expect.objectContaining({
            outcome: 'rejected',
            draft: { tasks: [{ taskType: 'reroute_orders', parameters: invalidDraft.tasks[0]!.parameters }] },
            error: 'task 1 (reroute_orders): parameters.since: Invalid ISO datetime',
          }),
        }),
        expect.objectContaining({
          kind: 'reasoning',
          discriminator: 'attempt-2',
          data: expect.objectContaining({
            outcome: 'rejected',
            error: expect.stringMatching(/^task 1 \(cancel_all_orders\): unknown task type/),
          }),
        }),
      ]);
    });

    it('escalates at once when the reasoner finds no task that fits', async () => {
      const reasoner = new RecordingReasoner();
      const m = await memory(reasoner);
      // A region incident that names no contributing warehouse: nothing to move orders away from.
      const spike = { ...spikeAt('2026-11-20T10:35:00Z'), scope: { type: 'region' as const, id: 'us-east' } };

      const result = await m.planner.plan({ spike });

      expect(reasoner.requests).toHaveLength(1);
      expect(result).toMatchObject({
        status: 'escalated',
        escalation: {
          reason: 'reasoner_declined',
          message: 'region us-east: the incident names no contributing warehouse to move orders away from',
        },
      });
    });

    it('plans by the rule when the reasoner is unavailable, and says why in the evidence', async () => {
      const m = await memory({
        propose: () =>
          Promise.reject(new ReasonerUnavailable('Bedrock m refused Converse: ThrottlingException')),
      });
      const spike = spikeAt('2026-11-20T10:35:00Z');

      const result = await m.planner.plan({ spike, context: CONTEXT });

      expect(result.status).toBe('planned');
      const plan = (result as { plan: RemediationPlan }).plan;
      expect(plan.planner).toBe('rule');
      expect(plan.tasks.map((task) => task.taskType)).toEqual([
        'open_incident_ticket',
        'pause_warehouse_intake',
        'reroute_orders',
      ]);
      expect(plan.tasks[2]!.parameters).toMatchObject({ fromWarehouseId: spike.scope.id });
      expect(plan.evidence).toContain(
        'reasoner unavailable (Bedrock m refused Converse: ThrottlingException): planned by the rule instead',
      );
    });

    it('escalates when the reasoner is unavailable and the rule has no plan either', async () => {
      const m = await memory({ propose: () => Promise.reject(new ReasonerUnavailable('Bedrock throttled')) });
      const spike = { ...spikeAt('2026-11-20T10:35:00Z'), scope: { type: 'region' as const, id: 'us-east' } };

      const result = await m.planner.plan({ spike, context: CONTEXT });

      expect(result).toMatchObject({
        status: 'escalated',
        escalation: {
          reason: 'reasoner_unavailable',
          message:
            'Bedrock throttled; the rule planner has no plan either: region us-east: the incident names no contributing warehouse to move orders away from',
          attempts: [],
        },
      });
    });

    it('lets an unexpected reasoner error propagate, so the saga retries', async () => {
      const m = await memory({ propose: () => Promise.reject(new TypeError('bug')) });

      await expect(m.planner.plan({ spike: spikeAt('2026-11-20T10:35:00Z') })).rejects.toThrow(TypeError);
    });
  });

  describe('evidence', () => {
    it('names the concentration, the similar incidents and how they ended, fulfillment history and episodic outcomes', async () => {
      const m = await memory();
      const toBos: FulfillmentFacts = {
        fromWarehouseId: 'WH-NYC',
        reroutedCount: 10,
        totalCost: 4200,
        toWarehouses: ['WH-BOS', 'WH-PHL'],
        unassignedCount: 0,
      };
      for (const day of ['2026-11-02', '2026-11-05', '2026-11-09', '2026-11-12']) {
        await remediated(m, spikeAt(`${day}T10:35:00Z`), 'succeeded', toBos);
      }
      await remediated(m, spikeAt('2026-11-15T10:35:00Z'), 'compensated', {
        ...toBos,
        toWarehouses: ['WH-PHL'],
      });
      const plan = planned(
        await m.planner.plan({ spike: spikeAt('2026-11-20T10:35:00Z'), context: CONTEXT }),
      );

      expect(plan.evidence.slice(0, 6)).toEqual([
        'cancellation ratio at WH-NYC is 45.0% against a baseline of 4.8%',
        '9 cancellations for 20 orders in 2026-11-20T10:35:00Z – 2026-11-20T10:40:00Z (p = 3.60e-6)',
        'cancellations concentrate at warehouse WH-NYC (9.4× its baseline); 5 of 5 similar past incidents were at WH-NYC too (semantic memory)',
        expect.stringMatching(
          /^5 similar past incidents \(semantic memory\): 4 resolved by open_incident_ticket>pause_warehouse_intake>reroute_orders, 1 compensated after open_incident_ticket>pause_warehouse_intake>reroute_orders; nearest: warehouse#WH-NYC#2026-11-\d\dT10:35:00Z \(cosine 1\.00\), /,
        ),
        'fulfillment history (semantic memory): 5 similar reroutes moved 50 orders, most often to WH-PHL (5 of 5)',
        // Learning remembered each outcome in episodic memory.
        '5 remediation(s) of warehouse#WH-NYC in the last 30 days: 4 succeeded, 1 compensated (episodic memory)',
      ]);
      expect(plan.planner).toBe('template');
    });

    it('says so when memory holds nothing similar', async () => {
      const m = await memory();

      const plan = planned(
        await m.planner.plan({ spike: spikeAt('2026-11-20T10:35:00Z'), context: CONTEXT }),
      );

      expect(plan.evidence.slice(2)).toEqual([
        'cancellations concentrate at warehouse WH-NYC (9.4× its baseline)',
        'no similar past incident at cosine ≥ 0.50 (semantic memory)',
        'no fulfillment history for similar incidents (semantic memory)',
        'no remediation of warehouse#WH-NYC in the last 30 days (episodic memory)',
        `no procedural template for ${FAMILY} at cosine ≥ 0.85 (procedural memory)`,
        expect.stringMatching(/^reasoner: cancellations concentrate at warehouse WH-NYC/),
      ]);
    });

    it('records the decision in episodic memory at the incident time', async () => {
      const m = await memory();
      const spike = spikeAt('2026-11-20T10:35:00Z');

      const plan = planned(await m.planner.plan({ spike, context: CONTEXT, executionId: 'exec-1' }));

      const history = await m.episodic.history(
        'warehouse#WH-NYC',
        '2026-11-20T00:00:00Z',
        '2026-11-21T00:00:00Z',
      );
      expect(history).toEqual([
        {
          entity: 'warehouse#WH-NYC',
          time: '2026-11-20T10:40:00Z',
          kind: 'plan',
          correlationId: spike.correlationId,
          data: expect.objectContaining({
            planId: plan.planId,
            planner: 'reasoner',
            summary: plan.summary,
            tasks: ['open_incident_ticket', 'pause_warehouse_intake', 'reroute_orders'],
            validatedTasks: plan.tasks.map((task): unknown =>
              expect.objectContaining({
                taskId: task.taskId,
                taskType: task.taskType,
                parameters: task.parameters,
              }),
            ),
            evidence: plan.evidence,
            executionId: 'exec-1',
          }),
        },
        // The model call it took, in the decision trace (the local reasoner reports no usage or exchange).
        {
          entity: 'warehouse#WH-NYC',
          time: '2026-11-20T10:40:00Z',
          kind: 'reasoning',
          correlationId: spike.correlationId,
          discriminator: 'attempt-1',
          data: expect.objectContaining({ attempt: 1, outcome: 'accepted', executionId: 'exec-1' }),
        },
      ]);
    });
  });
});

describe('OutcomeLearner', () => {
  let dynamo: LocalDynamo;
  let store: DynamoProceduralStore;
  let episodic: DynamoEpisodicStore;
  let semantic: InMemorySemanticIndex;
  let learner: OutcomeLearner;

  beforeEach(async () => {
    dynamo = await startDynamo([pkSkTable('Procedural'), pkSkTable('Episodic')]);
    store = new DynamoProceduralStore('Procedural', dynamo.client);
    episodic = new DynamoEpisodicStore('Episodic', dynamo.client);
    semantic = new InMemorySemanticIndex();
    learner = new OutcomeLearner(
      { embedder: new LocalEmbedder(), semantic, procedural: store, episodic },
      { templateThreshold: THRESHOLD },
    );
  });
  afterEach(() => dynamo.stop());

  const learn = (
    spike: OrderCancellationSpike,
    outcome: 'succeeded' | 'compensated',
    plan: RemediationPlan = rulePlan(spike),
  ) => learner.learn({ spike, context: CONTEXT, plan, outcome, time: spike.window.end });

  it('remembers each outcome in episodic memory, once per incident however often the saga retries', async () => {
    const spike = spikeAt('2026-11-13T10:35:00Z');
    const failure = { error: 'RerouteFailed', cause: 'No warehouse has capacity left.' };

    await learner.learn({
      spike,
      plan: rulePlan(spike),
      outcome: 'compensated',
      time: '2026-11-13T11:00:00Z',
      failure,
    });
    await learner.learn({
      spike,
      plan: rulePlan(spike),
      outcome: 'compensated',
      time: '2026-11-13T11:00:00Z',
      failure,
    });

    expect(
      await episodic.history('warehouse#WH-NYC', '2026-11-13T00:00:00Z', '2026-11-14T00:00:00Z'),
    ).toEqual([
      {
        entity: 'warehouse#WH-NYC',
        time: '2026-11-13T11:00:00Z',
        kind: 'remediation_outcome',
        correlationId: spike.correlationId,
        data: {
          outcome: 'compensated',
          planId: `plan#${spike.correlationId}`,
          planner: 'rule',
          tasks: 'open_incident_ticket>pause_warehouse_intake>reroute_orders',
          failure,
        },
      },
    ]);
  });

  it('turns a successful remediation into a template, parameterised by the incident', async () => {
    const spike = spikeAt('2026-11-13T10:35:00Z');

    const result = await learn(spike, 'succeeded');

    const templateId = `${FAMILY}@${spike.correlationId}`;
    expect(result.template).toEqual({ action: 'created', templateId });
    expect(await store.get(templateId)).toMatchObject({
      successCount: 1,
      failureCount: 0,
      tasks: [
        {
          taskType: 'open_incident_ticket',
          parameters: {
            scopeType: { from: 'literal', value: 'warehouse' },
            scopeId: { from: 'scope.id' },
            severity: { from: 'literal', value: 'sev2' },
          },
        },
        { taskType: 'pause_warehouse_intake', parameters: { warehouseId: { from: 'scope.id' } } },
        {
          taskType: 'reroute_orders',
          parameters: {
            fromWarehouseId: { from: 'scope.id' },
            since: { from: 'window.start', offsetSeconds: -7200 },
          },
        },
      ],
    });
    expect(result.indexed).toEqual([`incident#${spike.correlationId}`]);
  });

  it('reinforces the template a plan reused, and a compensation lowers its score', async () => {
    const first = spikeAt('2026-11-13T10:35:00Z');
    const { template } = await learn(first, 'succeeded');
    const templateId = template.action === 'created' ? template.templateId : '';
    const fromTemplate = (spike: OrderCancellationSpike) => ({
      ...rulePlan(spike),
      planner: 'template' as const,
      templateId,
    });

    const reinforced = await learn(
      spikeAt('2026-11-20T10:35:00Z'),
      'succeeded',
      fromTemplate(spikeAt('2026-11-20T10:35:00Z')),
    );
    const before = (await store.get(templateId))!.score;
    const weakened = await learn(
      spikeAt('2026-11-27T10:35:00Z'),
      'compensated',
      fromTemplate(spikeAt('2026-11-27T10:35:00Z')),
    );
    const after = (await store.get(templateId))!;

    expect(reinforced.template).toEqual({ action: 'reinforced', templateId, duplicate: false });
    expect(weakened.template).toEqual({ action: 'weakened', templateId, duplicate: false });
    expect(before).toBeCloseTo(3 / 4);
    expect(after).toMatchObject({ successCount: 2, failureCount: 1 });
    expect(after.score).toBeLessThan(before);
  });

  it('credits a similar template of the same shape when the plan came from the reasoner', async () => {
    await learn(spikeAt('2026-11-13T10:35:00Z'), 'succeeded');
    const spike = spikeAt('2026-11-20T10:35:00Z');

    const result = await learn(spike, 'succeeded', { ...rulePlan(spike), planner: 'reasoner' });

    expect(result.template).toMatchObject({
      action: 'reinforced',
      templateId: `${FAMILY}@warehouse#WH-NYC#2026-11-13T10:35:00Z`,
    });
  });

  it('counts a redelivered outcome once', async () => {
    const first = spikeAt('2026-11-13T10:35:00Z');
    await learn(first, 'succeeded');
    const second = spikeAt('2026-11-20T10:35:00Z');

    await learn(second, 'succeeded');
    const again = await learn(second, 'succeeded');

    expect(again.template).toMatchObject({ action: 'reinforced', duplicate: true });
    expect(await store.get(`${FAMILY}@${first.correlationId}`)).toMatchObject({ successCount: 2 });
  });

  it('creates no template from a compensated remediation', async () => {
    const result = await learn(spikeAt('2026-11-13T10:35:00Z'), 'compensated');

    expect(result.template).toEqual({ action: 'unchanged' });
    expect(
      await store.findSimilar(new Array<number>(512).fill(1 / Math.sqrt(512)), -1, {
        family: FAMILY,
        embeddingModel: 'local-feature-hashing-v1/512',
      }),
    ).toEqual([]);
  });

  it('remembers the incident and what fulfillment did in semantic memory', async () => {
    const spike = spikeAt('2026-11-13T10:35:00Z');
    const [vector] = await new LocalEmbedder().embed(['x']);

    await learner.learn({
      spike,
      context: CONTEXT,
      plan: rulePlan(spike),
      outcome: 'succeeded',
      time: '2026-11-13T11:00:00Z',
      fulfillment: {
        fromWarehouseId: 'WH-NYC',
        reroutedCount: 14,
        totalCost: 3200,
        toWarehouses: ['WH-PHL', 'WH-BOS', 'WH-PHL'],
        unassignedCount: 1,
      },
    });

    const hits = await semantic.search(vector!, { k: 10, minScore: -1 });
    expect(hits.map((hit) => [hit.id, hit.kind])).toEqual(
      expect.arrayContaining([
        [`incident#${spike.correlationId}`, 'incident'],
        [`fulfillment#${spike.correlationId}`, 'fulfillment'],
      ]),
    );
    expect(hits.find((hit) => hit.kind === 'fulfillment')).toMatchObject({
      text: 'Rerouted 14 orders from WH-NYC to WH-BOS, WH-PHL for 3200 cents; 1 left unassigned; remediation succeeded.',
      metadata: { reroutedCount: 14, toWarehouses: 'WH-BOS,WH-PHL', outcome: 'succeeded' },
    });
    expect(hits.find((hit) => hit.kind === 'incident')?.metadata).toMatchObject({
      scopeId: 'WH-NYC',
      region: 'us-east',
      taskTypes: 'open_incident_ticket>pause_warehouse_intake>reroute_orders',
      outcome: 'succeeded',
    });
  });
});
