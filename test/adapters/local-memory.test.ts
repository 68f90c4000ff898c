import { spikeFixture } from '../events/fixtures';
import fc from 'fast-check';
import { InMemorySemanticIndex } from './in-memory-semantic-index';
import { LocalEmbedder } from '../../local/bedrock/local-embedder';
import type { OrderCancellationSpike } from '../../lambdas/domain/contracts/platform';
import { DimensionMismatch } from '../../lambdas/domain/memory/errors';
import { incidentFeatures } from '../../lambdas/domain/memory/incident-features';
import { cosineSimilarity, type SemanticDocument } from '../../lambdas/domain/memory/semantic-index';

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
