import { DimensionMismatch } from '../../lambdas/domain/memory/errors';
import {
  cosineSimilarity,
  type SemanticDocument,
  type SemanticHit,
  type SemanticIndex,
  type SemanticQuery,
} from '../../lambdas/domain/memory/semantic-index';

/**
 * Semantic memory in process, for tests: exact cosine search over every document (linear, fine while small).
 * Same port and same scores as the OpenSearch adapter (test/adapters/local-memory.test.ts keeps it honest).
 */
export class InMemorySemanticIndex implements SemanticIndex {
  private readonly documents = new Map<string, SemanticDocument>();

  /** @param dimensions when given, vectors of another length are refused. */
  constructor(private readonly dimensions?: number) {}

  upsert(documents: readonly SemanticDocument[]): Promise<void> {
    // The executor turns a thrown DimensionMismatch into a rejection, as an I/O-backed index would report it.
    return new Promise((resolve) => {
      this.store(documents);
      resolve();
    });
  }

  search(vector: readonly number[], query: SemanticQuery): Promise<SemanticHit[]> {
    return new Promise((resolve) => resolve(this.nearest(vector, query)));
  }

  private store(documents: readonly SemanticDocument[]): void {
    for (const document of documents) {
      this.checkDimensions(document.vector, `document ${document.id}`);
      this.documents.set(document.id, {
        ...document,
        vector: [...document.vector],
        metadata: { ...document.metadata },
      });
    }
  }

  private nearest(vector: readonly number[], query: SemanticQuery): SemanticHit[] {
    this.checkDimensions(vector, 'query');
    const hits: SemanticHit[] = [];
    for (const document of this.documents.values()) {
      if (query.kind !== undefined && document.kind !== query.kind) continue;
      if (document.vector.length !== vector.length) continue;
      const score = cosineSimilarity(vector, document.vector);
      if (query.minScore !== undefined && score < query.minScore) continue;
      hits.push({
        id: document.id,
        kind: document.kind,
        text: document.text,
        metadata: { ...document.metadata },
        score,
      });
    }
    hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
    return hits.slice(0, query.k);
  }

  /** How many documents are held (for tests and the sandbox's status). */
  get size(): number {
    return this.documents.size;
  }

  private checkDimensions(vector: readonly number[], where: string): void {
    if (this.dimensions !== undefined && vector.length !== this.dimensions) {
      throw new DimensionMismatch(this.dimensions, vector.length, `in-memory semantic index, ${where}`);
    }
  }
}
