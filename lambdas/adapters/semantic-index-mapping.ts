/**
 * The semantic index's settings and mapping: the stack declares the index from this (lib/memory.ts), and the
 * adapter creates it so with `createIndex`. A k-NN index whose `vector` field is HNSW on Faiss with inner
 * product; `metadata` a JSON string kept unindexed.
 */
export function semanticIndexBody(dimensions: number): Record<string, unknown> {
  return {
    settings: { index: { knn: true } },
    mappings: {
      properties: {
        // The fields CloudFormation can declare (text, knn_vector): `kind`, one lowercase word, is filtered by
        // term; the others are read back from _source, never queried.
        docId: { type: 'text', index: false },
        kind: { type: 'text' },
        text: { type: 'text' },
        // Evidence facts: one unindexed string, so no mapping grows from them.
        metadata: { type: 'text', index: false },
        updatedAt: { type: 'text', index: false },
        vector: {
          type: 'knn_vector',
          dimension: dimensions,
          method: {
            name: 'hnsw',
            engine: 'faiss',
            space_type: 'innerproduct',
            parameters: { ef_construction: 128, m: 16 },
          },
        },
      },
    },
  };
}
