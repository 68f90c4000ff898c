import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Client, errors } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws';
import { z } from 'zod';
import { DimensionMismatch } from '../domain/memory/errors';
import { semanticIndexBody } from './semantic-index-mapping';
import {
  normalizeVector,
  type SemanticDocument,
  type SemanticHit,
  type SemanticIndex,
  type SemanticQuery,
} from '../domain/memory/semantic-index';

export interface OpenSearchSemanticIndexOptions {
  /** Dimension of the `knn_vector` field: the embedder's. */
  readonly dimensions: number;
  /** @default 'semantic-memory' */
  readonly indexName?: string;
  /** A ready client (tests pass one with their own `Connection`). @default one built for `endpoint` and `region` */
  readonly client?: Client;
  /** The collection endpoint, e.g. `https://abc123.us-east-1.aoss.amazonaws.com`; required without `client`. */
  readonly endpoint?: string;
  /** Region for SigV4 signing; required without `client`. */
  readonly region?: string;
  /** Credentials to sign with. @default the Node.js default provider chain (the Lambda role) */
  readonly credentials?: () => Promise<SigningCredentials>;
  /** `aoss` for OpenSearch Serverless, `es` for a managed domain. @default 'aoss' */
  readonly service?: 'aoss' | 'es';
  /**
   * Index documents under their own id, so writing an id again replaces the document. Serverless vector
   * collections refuse client ids: they assign one per write, and searches return the latest version of each
   * `docId`. @default true for `es`, false for `aoss`
   */
  readonly clientDocumentIds?: boolean;
  /**
   * Create the index on first use when it is missing. On AWS the stack declares it (the agents may not create
   * indexes); a managed domain or a test cluster may want it. @default false
   */
  readonly createIndex?: boolean;
}

interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

const metadataValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const metadataRecord = z.record(z.string(), metadataValue);
const storedDocument = z.object({
  docId: z.string(),
  kind: z.enum(['incident', 'fulfillment', 'policy']),
  text: z.string(),
  // A JSON string (the index maps it as unindexed text); objects written before that still read.
  metadata: z
    .union([
      z.string().transform((json, context) => {
        let value: unknown;
        try {
          value = JSON.parse(json);
        } catch {
          value = undefined;
        }
        const parsed = metadataRecord.safeParse(value);
        if (parsed.success) return parsed.data;
        context.addIssue({ code: 'custom', message: 'metadata is not a flat record' });
        return z.NEVER;
      }),
      metadataRecord,
    ])
    .default({}),
  updatedAt: z.string().default(''),
});

/**
 * Converts a Faiss inner-product score back to the inner product: OpenSearch scores `1 + ip` when `ip ≥ 0` and
 * `1 / (1 - ip)` otherwise (k-NN "spaces" documentation). Vectors are unit length, so that is the cosine.
 */
function cosineFromScore(score: number): number {
  return score >= 1 ? score - 1 : 1 - 1 / score;
}

const isAlreadyExists = (error: unknown): boolean =>
  error instanceof errors.ResponseError &&
  (error.body as { error?: { type?: unknown } } | undefined)?.error?.type ===
    'resource_already_exists_exception';

/**
 * Semantic memory in an OpenSearch Serverless vector collection (k-NN), signed with SigV4. The index is the
 * stack's; with `createIndex` it is created on first use if missing (`indices.exists`, then `indices.create`; a
 * concurrent creation is fine). Vectors are
 * normalised on the way in, so inner product is cosine similarity.
 */
export class OpenSearchSemanticIndex implements SemanticIndex {
  private readonly client: Client;
  private readonly indexName: string;
  private readonly dimensions: number;
  private readonly clientDocumentIds: boolean;
  private readonly createIndex: boolean;
  private ready: Promise<void> | undefined;

  constructor(options: OpenSearchSemanticIndexOptions) {
    if (!Number.isInteger(options.dimensions) || options.dimensions < 1) {
      throw new RangeError(`dimensions must be a positive integer, got ${options.dimensions}`);
    }
    const service = options.service ?? 'aoss';
    this.dimensions = options.dimensions;
    this.indexName = options.indexName ?? 'semantic-memory';
    this.clientDocumentIds = options.clientDocumentIds ?? service === 'es';
    this.createIndex = options.createIndex ?? false;
    this.client = options.client ?? OpenSearchSemanticIndex.signedClient(options, service);
  }

  private static signedClient(options: OpenSearchSemanticIndexOptions, service: 'aoss' | 'es'): Client {
    const { endpoint, region } = options;
    if (!endpoint || !region) {
      throw new RangeError(
        `an OpenSearch endpoint and region are required without a client, got endpoint "${endpoint ?? ''}" and region "${region ?? ''}"`,
      );
    }
    const credentials = options.credentials ?? defaultProvider();
    return new Client({
      ...AwsSigv4Signer({ region, service, getCredentials: () => credentials() }),
      node: endpoint,
    });
  }

  async upsert(documents: readonly SemanticDocument[]): Promise<void> {
    await this.ensureIndex();
    const updatedAt = new Date().toISOString();
    for (const document of documents) {
      if (document.vector.length !== this.dimensions) {
        throw new DimensionMismatch(this.dimensions, document.vector.length, `document ${document.id}`);
      }
      await this.client.index({
        index: this.indexName,
        ...(this.clientDocumentIds ? { id: document.id } : {}),
        body: {
          docId: document.id,
          kind: document.kind,
          text: document.text,
          metadata: JSON.stringify(document.metadata),
          updatedAt,
          vector: normalizeVector(document.vector),
        },
      });
    }
  }

  async search(vector: readonly number[], query: SemanticQuery): Promise<SemanticHit[]> {
    if (vector.length !== this.dimensions) {
      throw new DimensionMismatch(this.dimensions, vector.length, 'semantic search');
    }
    await this.ensureIndex();
    // Ask for twice as many: without client ids a document can have older versions among the neighbours.
    const k = this.clientDocumentIds ? query.k : query.k * 2;
    const response = await this.client.search({
      index: this.indexName,
      body: {
        size: k,
        _source: { excludes: ['vector'] },
        query: {
          knn: {
            vector: {
              vector: normalizeVector(vector),
              k,
              ...(query.kind === undefined ? {} : { filter: { term: { kind: query.kind } } }),
            },
          },
        },
      },
    });
    const latest = new Map<string, SemanticHit & { updatedAt: string }>();
    for (const hit of response.body.hits.hits) {
      const source = storedDocument.safeParse(hit._source);
      if (!source.success || typeof hit._score !== 'number') continue;
      const score = cosineFromScore(hit._score);
      if (query.minScore !== undefined && score < query.minScore) continue;
      const { docId, kind, text, metadata, updatedAt } = source.data;
      const seen = latest.get(docId);
      if (seen && seen.updatedAt >= updatedAt) continue;
      latest.set(docId, { id: docId, kind, text, metadata, score, updatedAt });
    }
    return [...latest.values()]
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, query.k)
      .map(({ updatedAt: _updatedAt, ...hit }) => hit);
  }

  /** Creates the index once per instance (a cold start); a failed attempt is retried on the next call. */
  private ensureIndex(): Promise<void> {
    if (!this.createIndex) return Promise.resolve();
    this.ready ??= this.createIndexIfMissing().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async createIndexIfMissing(): Promise<void> {
    const exists = await this.client.indices.exists({ index: this.indexName });
    if (exists.body) return;
    try {
      await this.client.indices.create({ index: this.indexName, body: semanticIndexBody(this.dimensions) });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
}
