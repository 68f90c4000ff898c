import { spikeFixture } from '../events/fixtures';
import fc from 'fast-check';
import { InMemorySemanticIndex } from './in-memory-semantic-index';
import { LocalEmbedder } from '../../lambdas/adapters/local-embedder';
import { LocalReasoner } from '../../lambdas/adapters/local-reasoner';
import type { OrderCancellationSpike } from '../../lambdas/domain/contracts/platform';
import { DimensionMismatch } from '../../lambdas/domain/memory/errors';
import { incidentFeatures } from '../../lambdas/domain/memory/incident-features';
import { cosineSimilarity, type SemanticDocument } from '../../lambdas/domain/memory/semantic-index';
import { catalogTools, validateDraft } from '../../lambdas/domain/planning/task-catalog';

const spike = (overrides: Partial<OrderCancellationSpike> = {}): OrderCancellationSpike => ({
  ...spikeFixture(),
  ...overrides,
});

const norm = (vector: readonly number[]) => Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));

describe('LocalEmbedder', () => {
  const embedder = new LocalEmbedder();
  const embedIncident = async (s: OrderCancellationSpike) =>
    (await embedder.embed([incidentFeatures(s, { region: 'us-east' })]))[0]!;

  it('is deterministic across instances and returns unit vectors of its dimension', async () => {
    const [a] = await new LocalEmbedder({ dimensions: 256 }).embed([incidentFeatures(spike())]);
    const [b] = await new LocalEmbedder({ dimensions: 256 }).embed([incidentFeatures(spike())]);

    expect(a).toEqual(b);
    expect(a).toHaveLength(256);
    expect(norm(a!)).toBeCloseTo(1, 12);
  });

  it('puts the same kind of incident at the same warehouse nearer than at another warehouse, and a region further still', async () => {
    const reference = await embedIncident(spike());
    const sameWarehouseLater = await embedIncident(
      spike({
        correlationId: 'later',
        observedRatio: 0.38,
        cancelled: 8,
        window: { start: '2026-11-27T10:35:00Z', end: '2026-11-27T10:40:00Z' },
      }),
    );
    const otherWarehouse = await embedIncident(spike({ scope: { type: 'warehouse', id: 'WH-BOS' } }));
    const region = await embedIncident(spike({ scope: { type: 'region', id: 'us-east' } }));

    const near = cosineSimilarity(reference, sameWarehouseLater);
    const elsewhere = cosineSimilarity(reference, otherWarehouse);
    const regional = cosineSimilarity(reference, region);

    expect(near).toBeGreaterThan(0.85);
    expect(elsewhere).toBeLessThan(0.8);
    expect(regional).toBeLessThan(elsewhere);
  });

  it('embeds any text as a finite unit vector (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), async (text) => {
        const [vector] = await embedder.embed([text]);
        expect(vector!.every(Number.isFinite)).toBe(true);
        expect(norm(vector!)).toBeCloseTo(1, 9);
      }),
    );
  });

  it('names its vector space by method and dimension', () => {
    expect(new LocalEmbedder({ dimensions: 1024 }).model).toBe('local-feature-hashing-v1/1024');
    expect(() => new LocalEmbedder({ dimensions: 3 })).toThrow(
      'dimensions must be an integer of at least 16, got 3',
    );
  });
});

describe('InMemorySemanticIndex', () => {
  const doc = (id: string, kind: SemanticDocument['kind'], vector: number[]): SemanticDocument => ({
    id,
    kind,
    vector,
    text: id,
    metadata: { id },
  });

  it('returns the k nearest documents of a kind by exact cosine, above the floor, most similar first', async () => {
    const index = new InMemorySemanticIndex(3);
    await index.upsert([
      doc('a', 'incident', [1, 0, 0]),
      doc('b', 'incident', [1, 1, 0]),
      doc('c', 'incident', [0, 0, 1]),
      doc('d', 'fulfillment', [1, 0, 0]),
    ]);

    const hits = await index.search([2, 0, 0], { k: 2, kind: 'incident', minScore: 0.1 });

    expect(hits.map((hit) => [hit.id, Number(hit.score.toFixed(3))])).toEqual([
      ['a', 1],
      ['b', 0.707],
    ]);
    expect((await index.search([0, 0, 1], { k: 5, minScore: 0.5 })).map((hit) => hit.id)).toEqual(['c']);
  });

  it('replaces a document written again under the same id', async () => {
    const index = new InMemorySemanticIndex();
    await index.upsert([doc('a', 'incident', [1, 0])]);
    await index.upsert([{ ...doc('a', 'incident', [0, 1]), text: 'second' }]);

    const hits = await index.search([0, 1], { k: 5 });

    expect(index.size).toBe(1);
    expect(hits).toEqual([{ id: 'a', kind: 'incident', text: 'second', metadata: { id: 'a' }, score: 1 }]);
  });

  it('refuses vectors of another dimension', async () => {
    const index = new InMemorySemanticIndex(3);

    await expect(index.upsert([doc('a', 'incident', [1, 0])])).rejects.toThrow(DimensionMismatch);
    await expect(index.search([1, 0], { k: 1 })).rejects.toThrow(DimensionMismatch);
  });
});

describe('LocalReasoner', () => {
  const request = (s: OrderCancellationSpike) => ({
    incident: s,
    description: incidentFeatures(s).text,
    evidence: [],
    catalog: catalogTools,
  });

  it('proposes a ticket, an intake pause and a reroute of the warehouse open orders, a draft that passes catalog validation', async () => {
    const draft = await new LocalReasoner().propose(request(spike()));

    expect(draft.tasks).toEqual([
      {
        taskType: 'open_incident_ticket',
        parameters: { scopeType: 'warehouse', scopeId: 'WH-NYC', severity: 'sev2' },
      },
      { taskType: 'pause_warehouse_intake', parameters: { warehouseId: 'WH-NYC' } },
      {
        taskType: 'reroute_orders',
        parameters: { fromWarehouseId: 'WH-NYC', since: '2026-11-20T08:35:00.000Z' },
      },
    ]);
    expect(validateDraft(draft, spike()).ok).toBe(true);
  });

  it('declines a region-scoped spike that names no contributing warehouse, asking for an operator', async () => {
    const draft = await new LocalReasoner().propose(
      request(spike({ scope: { type: 'region', id: 'us-east' } })),
    );

    expect(draft).toEqual({
      tasks: [],
      escalation: 'region us-east: the incident names no contributing warehouse to move orders away from',
    });
  });

  it('rebalances a region-scoped spike away from the warehouses it names as contributors', async () => {
    const draft = await new LocalReasoner().propose(
      request(
        spike({
          scope: { type: 'region', id: 'us-east' },
          contributors: [
            { warehouseId: 'WH-NYC', cancelled: 9, expectedCancelled: 1 },
            { warehouseId: 'WH-BOS', cancelled: 4, expectedCancelled: 1 },
          ],
        }),
      ),
    );

    expect(draft.tasks).toEqual([
      {
        taskType: 'open_incident_ticket',
        parameters: { scopeType: 'region', scopeId: 'us-east', severity: 'sev1' },
      },
      {
        taskType: 'rebalance_region',
        parameters: { region: 'us-east', fromWarehouseIds: ['WH-NYC', 'WH-BOS'], since: expect.any(String) },
      },
    ]);
  });
});
