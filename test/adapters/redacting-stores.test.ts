import { spikeFixture } from '../events/fixtures';
import { DynamoEpisodicStore } from '../../lambdas/adapters/dynamodb-episodic-store';
import { DynamoProceduralStore } from '../../lambdas/adapters/dynamodb-procedural-store';
import { InMemorySemanticIndex } from './in-memory-semantic-index';
import { LocalEmbedder } from '../../local/bedrock/local-embedder';
import {
  hmacPseudonymizer,
  RedactingEpisodicStore,
  withRedaction,
  type RedactionListener,
} from '../../lambdas/adapters/redacting-stores';
import type { OrderCancellationSpike } from '../../lambdas/domain/contracts/platform';
import { createRedactor } from '../../lambdas/domain/governance/redaction';
import type { Embedder, EmbeddingInput } from '../../lambdas/domain/memory/embedder';
import type { DraftPlan, Reasoner, ReasoningRequest } from '../../lambdas/domain/memory/reasoner';
import { OutcomeLearner } from '../../lambdas/domain/planning/learning';
import { rulePlan } from '../unit/rule-plan';
import { RemediationPlanner } from '../../lambdas/domain/planning/planner';
import { catalogTools } from '../../lambdas/domain/planning/task-catalog';
import { pkSkTable, startDynamo, type LocalDynamo } from './dynalite';

const EMAIL = 'jo.customer@example.com';
const PHONE = '+44 20 7946 0958';
const CARD = '4111 1111 1111 1111';

const spike = (): OrderCancellationSpike => spikeFixture();

const pseudonymize = hmacPseudonymizer('test-key');
const redactor = createRedactor({ pseudonymize });

/** Every string a value holds, to assert that no PII is anywhere in it. */
const serialized = (value: unknown) => JSON.stringify(value);

type RedactionReport = Parameters<RedactionListener>[0];

describe('redacting memory ports', () => {
  let dynamo: LocalDynamo;
  let reports: RedactionReport[];

  beforeAll(async () => {
    dynamo = await startDynamo([pkSkTable('Episodic'), pkSkTable('Procedural')]);
  });
  afterAll(() => dynamo.stop());
  beforeEach(() => {
    reports = [];
  });
  const listener = (report: RedactionReport) => reports.push(report);

  it('stores an episodic record with PII in its data redacted, and still finds a pseudonymised entity', async () => {
    const inner = new DynamoEpisodicStore('Episodic', dynamo.client);
    const store = new RedactingEpisodicStore(inner, redactor, listener);

    await store.record({
      entity: `customer#${EMAIL}`,
      time: '2026-11-20T10:40:00Z',
      kind: 'order_cancelled',
      correlationId: 'c-1',
      data: { reason: `customer ${EMAIL} called from ${PHONE}`, customerId: 'C-42', payment: `card ${CARD}` },
    });

    const stored = await inner.history(
      `customer#[email:${pseudonymize(EMAIL)}]`,
      '2026-11-20T00:00:00Z',
      '2026-11-21T00:00:00Z',
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]!.data).toMatchObject({
      reason: `customer [email:${pseudonymize(EMAIL)}] called from [phone:${pseudonymize(PHONE)}]`,
      customerId: `[customerId:${pseudonymize('C-42')}]`,
      payment: 'card [card]',
    });
    expect(serialized(stored)).not.toMatch(/jo\.customer|7946|4111/);
    expect(await store.history(`customer#${EMAIL}`, '2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z')).toEqual(
      stored,
    );
    expect(reports).toEqual([
      {
        port: 'episodic',
        redactions: [
          { kind: 'email', path: '$.entity' },
          { kind: 'email', path: '$.data.reason' },
          { kind: 'phone', path: '$.data.reason' },
          { kind: 'named_field', path: '$.data.customerId', field: 'customerId' },
          { kind: 'card', path: '$.data.payment' },
        ],
      },
    ]);
  });

  it('stores semantic documents with redacted text and metadata, vectors untouched', async () => {
    const inner = new InMemorySemanticIndex();
    const index = withRedaction({ semantic: inner }, redactor, listener).semantic;

    await index.upsert([
      {
        id: 'incident#1',
        kind: 'incident',
        vector: [1, 0],
        text: `escalated by ${EMAIL}`,
        metadata: { phone: PHONE, outcome: 'succeeded' },
      },
    ]);

    const [hit] = await inner.search([1, 0], { k: 1 });
    expect(hit).toEqual({
      id: 'incident#1',
      kind: 'incident',
      text: `escalated by [email:${pseudonymize(EMAIL)}]`,
      metadata: { phone: `[phone:${pseudonymize(PHONE)}]`, outcome: 'succeeded' },
      score: 1,
    });
    expect(reports.map((report) => report.port)).toEqual(['semantic']);
  });

  it('stores procedural templates with literal parameters redacted', async () => {
    const inner = new DynamoProceduralStore('Procedural', dynamo.client);
    const store = withRedaction({ procedural: inner }, redactor, listener).procedural;

    const created = await store.upsertFromPlan({
      family: 'order_cancellation_spike/warehouse',
      tasks: [
        {
          taskType: 'notify',
          parameters: { to: { from: 'literal', value: EMAIL }, warehouse: { from: 'scope.id' } },
        },
      ],
      embedding: [1, 0],
      embeddingModel: 'm/2',
      sourceCorrelationId: 'c-1',
      time: '2026-11-20T11:00:00Z',
    });

    expect((await inner.get(created.templateId))!.tasks).toEqual([
      {
        taskType: 'notify',
        parameters: {
          to: { from: 'literal', value: `[email:${pseudonymize(EMAIL)}]` },
          warehouse: { from: 'scope.id' },
        },
      },
    ]);
  });

  it('redacts what goes into the reasoner and what comes out of it', async () => {
    const seen: ReasoningRequest[] = [];
    const inner: Reasoner = {
      propose: (request) => {
        seen.push(request);
        return Promise.resolve({ tasks: [], rationale: `ask ${EMAIL}`, escalation: `call ${PHONE}` });
      },
    };

    const draft = await withRedaction({ reasoner: inner }, redactor, listener).reasoner.propose({
      // An identifier carrying personal data: the incident's facts reach the prompt too.
      incident: { ...spike(), scope: { type: 'warehouse', id: `WH ${EMAIL}` } },
      description: 'spike',
      evidence: [`complaint from ${EMAIL}`],
      catalog: catalogTools,
      rejected: { draft: { tasks: [], rationale: `card ${CARD}` }, error: 'no tasks' },
    });

    expect(serialized(seen)).not.toMatch(/jo\.customer|4111/);
    expect(seen[0]!.catalog).toBe(catalogTools);
    expect(draft).toEqual({
      tasks: [],
      rationale: `ask [email:${pseudonymize(EMAIL)}]`,
      escalation: `call [phone:${pseudonymize(PHONE)}]`,
    });
    expect(reports.map((report) => report.port)).toEqual(['reasoner', 'reasoner']);
  });

  it('redacts text before it is sent to an embedding model', async () => {
    const sent: EmbeddingInput[] = [];
    const inner: Embedder = {
      model: 'm/2',
      dimensions: 2,
      embed: (inputs) => {
        sent.push(...inputs);
        return Promise.resolve(inputs.map(() => [1, 0]));
      },
    };
    const embedder = withRedaction({ embedder: inner }, redactor).embedder;

    await embedder.embed([`customer ${EMAIL}`]);

    expect(sent).toEqual([`customer [email:${pseudonymize(EMAIL)}]`]);
    expect([embedder.model, embedder.dimensions]).toEqual(['m/2', 2]);
  });

  it('wraps every memory port and the reasoner in one call, and only the ports it is given', () => {
    const given = {
      embedder: new LocalEmbedder(),
      semantic: new InMemorySemanticIndex(),
      episodic: new DynamoEpisodicStore('Episodic', dynamo.client),
      procedural: new DynamoProceduralStore('Procedural', dynamo.client),
      reasoner: { propose: () => Promise.resolve<DraftPlan>({ tasks: [] }) },
    };

    const ports = withRedaction(given, redactor);

    // Each wrapper's redaction is specified above, reached through this same call.
    for (const name of Object.keys(given) as (keyof typeof given)[])
      expect(ports[name]).not.toBe(given[name]);
    expect(ports.episodic).toBeInstanceOf(RedactingEpisodicStore);
    expect(Object.keys(withRedaction({ episodic: given.episodic }, redactor))).toEqual(['episodic']);
  });

  it('keeps PII a reasoner echoes out of the plan and of every memory the planner and learner write', async () => {
    const episodic = new DynamoEpisodicStore('Episodic', dynamo.client);
    const semantic = new InMemorySemanticIndex();
    const leaky: Reasoner = {
      propose: ({ incident }) =>
        Promise.resolve({
          tasks: [
            {
              taskType: 'reroute_orders',
              parameters: { fromWarehouseId: incident.scope.id, since: incident.window.start },
            },
          ],
          rationale: `customer ${EMAIL} (${PHONE}) paid with ${CARD} and complained`,
        }),
    };
    const ports = withRedaction(
      {
        embedder: new LocalEmbedder(),
        semantic,
        episodic,
        procedural: new DynamoProceduralStore('Procedural', dynamo.client),
        reasoner: leaky,
      },
      redactor,
      listener,
    );
    const s = {
      ...spike(),
      correlationId: 'warehouse#WH-PII#2026-11-20T10:35:00Z',
      scope: { type: 'warehouse' as const, id: 'WH-PII' },
    };

    const result = await new RemediationPlanner(ports, { templateThreshold: 0.85 }).plan({ spike: s });
    await new OutcomeLearner(ports, { templateThreshold: 0.85 }).learn({
      spike: s,
      plan: result.status === 'planned' ? result.plan : rulePlan(s),
      outcome: 'succeeded',
      time: s.window.end,
    });

    const written = [
      result,
      await episodic.history('warehouse#WH-PII', '2026-11-01T00:00:00Z', '2026-11-30T00:00:00Z'),
      await semantic.search((await new LocalEmbedder().embed(['x']))[0]!, { k: 10, minScore: -1 }),
    ];
    expect(result.status).toBe('planned');
    expect(serialized(written)).not.toMatch(/jo\.customer|7946|4111/);
    expect(serialized(written)).toContain(`[email:${pseudonymize(EMAIL)}]`);
  });
});
