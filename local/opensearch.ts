import { randomUUID } from 'node:crypto';

/** An HTTP answer of a path-routed service. */
export interface RestResponse {
  readonly status: number;
  readonly body?: unknown;
}

interface KnnField {
  readonly dimension: number;
  readonly spaceType: string;
}

interface IndexState {
  readonly mappings: Record<string, unknown>;
  readonly settings: Record<string, unknown>;
  readonly knnFields: Map<string, KnnField>;
  readonly docs: Map<string, { source: Record<string, unknown>; version: number }>;
}

const error = (status: number, type: string, reason: string): RestResponse => ({
  status,
  body: { error: { root_cause: [{ type, reason }], type, reason }, status },
});

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
const norm = (a: readonly number[]) => Math.sqrt(dot(a, a));

/** The k-NN plugin's scores per space type (faiss/lucene conventions as documented for OpenSearch k-NN). */
function knnScore(spaceType: string, a: readonly number[], b: readonly number[]): number {
  switch (spaceType) {
    case 'innerproduct': {
      const ip = dot(a, b);
      return ip >= 0 ? 1 + ip : 1 / (1 - ip);
    }
    case 'cosinesimil': {
      const cos = dot(a, b) / (norm(a) * norm(b) || 1);
      return (1 + cos) / 2;
    }
    default: {
      const d2 = a.reduce((sum, x, i) => sum + (x - (b[i] ?? 0)) ** 2, 0);
      return 1 / (1 + d2);
    }
  }
}

/** Term, terms and bool filters on keyword fields: what a k-NN `filter` usually holds. */
function matchesFilter(filter: unknown, source: Record<string, unknown>): boolean {
  if (filter === undefined || filter === null) return true;
  const f = filter as Record<string, Record<string, unknown>>;
  if (f.term) {
    return Object.entries(f.term).every(([field, value]) => {
      const expected =
        typeof value === 'object' && value !== null ? (value as { value?: unknown }).value : value;
      return source[field] === expected;
    });
  }
  if (f.terms)
    return Object.entries(f.terms).every(([field, values]) => (values as unknown[]).includes(source[field]));
  if (f.bool) {
    const b = f.bool as { must?: unknown[]; filter?: unknown[]; should?: unknown[]; must_not?: unknown[] };
    const all = [...(b.must ?? []), ...(b.filter ?? [])].every((c) => matchesFilter(c, source));
    const none = (b.must_not ?? []).every((c) => !matchesFilter(c, source));
    const any = !b.should || b.should.length === 0 || b.should.some((c) => matchesFilter(c, source));
    return all && none && any;
  }
  if (f.match_all) return true;
  throw new Error(
    `the sandbox's OpenSearch supports term, terms and bool filters, not ${Object.keys(f).join(', ')}`,
  );
}

/**
 * The sandbox's OpenSearch Serverless collection: the REST subset a vector index uses — index create/exists/
 * mapping, document index/get, and `knn` search with exact scores (the k-NN plugin's approximate search
 * returns the same neighbours while the index is small).
 */
export class LocalOpenSearch {
  private readonly indexes = new Map<string, IndexState>();

  /**
   * The collection's type (`AWS::OpenSearchServerless::Collection` `Type`). Vector search and time series
   * collections choose every document's id themselves: an index or create request naming one is refused, as
   * "you can't index by custom document ID or update by upsert requests" there
   * (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-overview.html).
   */
  constructor(readonly collectionType: 'SEARCH' | 'TIMESERIES' | 'VECTORSEARCH' = 'VECTORSEARCH') {}

  handle(method: string, path: string, body: unknown): RestResponse {
    const [resource = ''] = path.split('?');
    const parts = resource.split('/').filter(Boolean).map(decodeURIComponent);
    const [index, action, id] = parts;
    if (!index)
      return {
        status: 200,
        body: { name: 'sandbox', version: { distribution: 'opensearch', number: '2.17.0' } },
      };
    if (parts.length === 1) return this.indexRequest(method, index, body);
    const state = this.indexes.get(index);
    if (!state) return error(404, 'index_not_found_exception', `no such index [${index}]`);
    if (action === '_mapping' && method === 'GET')
      return { status: 200, body: { [index]: { mappings: state.mappings } } };
    if ((action === '_doc' || action === '_create') && (method === 'POST' || method === 'PUT')) {
      if (id !== undefined && this.collectionType !== 'SEARCH') {
        return error(
          400,
          'illegal_argument_exception',
          'Document ID is not supported in create/index operation request',
        );
      }
      if (action === '_create' && id === undefined)
        return error(400, 'illegal_argument_exception', 'an id is required');
      if (action === '_create' && state.docs.has(id ?? '')) {
        return error(
          409,
          'version_conflict_engine_exception',
          `[${id ?? ''}]: version conflict, document already exists`,
        );
      }
      return this.indexDocument(index, state, id, body);
    }
    if (action === '_doc' && method === 'GET' && id) {
      const doc = state.docs.get(id);
      return doc
        ? {
            status: 200,
            body: { _index: index, _id: id, _version: doc.version, found: true, _source: doc.source },
          }
        : { status: 404, body: { _index: index, _id: id, found: false } };
    }
    if (action === '_search' && (method === 'POST' || method === 'GET'))
      return this.search(index, state, body);
    // OpenSearch Serverless refreshes on its own schedule and does not serve `_refresh`.
    return error(
      400,
      'illegal_argument_exception',
      `the sandbox's OpenSearch does not serve ${method} ${path}`,
    );
  }

  private indexRequest(method: string, index: string, body: unknown): RestResponse {
    if (method === 'HEAD') return { status: this.indexes.has(index) ? 200 : 404 };
    if (method === 'PUT') {
      if (this.indexes.has(index)) {
        return error(400, 'resource_already_exists_exception', `index [${index}] already exists`);
      }
      const { mappings = {}, settings = {} } = (body ?? {}) as {
        mappings?: Record<string, unknown>;
        settings?: Record<string, unknown>;
      };
      const knnFields = new Map<string, KnnField>();
      const properties = (mappings.properties ?? {}) as Record<
        string,
        { type?: string; dimension?: number; method?: { space_type?: string }; space_type?: string }
      >;
      for (const [field, spec] of Object.entries(properties)) {
        if (spec.type === 'knn_vector') {
          knnFields.set(field, {
            dimension: Number(spec.dimension),
            spaceType: spec.method?.space_type ?? spec.space_type ?? 'l2',
          });
        }
      }
      this.indexes.set(index, { mappings, settings, knnFields, docs: new Map() });
      return { status: 200, body: { acknowledged: true, shards_acknowledged: true, index } };
    }
    if (method === 'GET') {
      const state = this.indexes.get(index);
      return state
        ? { status: 200, body: { [index]: { mappings: state.mappings, settings: state.settings } } }
        : error(404, 'index_not_found_exception', `no such index [${index}]`);
    }
    return error(405, 'method_not_allowed', `${method} /${index} is not allowed`);
  }

  private indexDocument(
    index: string,
    state: IndexState,
    id: string | undefined,
    body: unknown,
  ): RestResponse {
    if (typeof body !== 'object' || body === null)
      return error(400, 'mapper_parsing_exception', 'the document is not a JSON object');
    const source = body as Record<string, unknown>;
    for (const [field, spec] of state.knnFields) {
      const vector = source[field];
      if (vector === undefined) continue;
      if (!Array.isArray(vector) || vector.length !== spec.dimension) {
        return error(
          400,
          'mapper_parsing_exception',
          `Vector dimension mismatch. Expected: ${spec.dimension}, Given: ${Array.isArray(vector) ? vector.length : 'none'}`,
        );
      }
    }
    const docId = id ?? randomUUID();
    const previous = state.docs.get(docId);
    const version = (previous?.version ?? 0) + 1;
    state.docs.set(docId, { source, version });
    return {
      status: previous ? 200 : 201,
      body: { _index: index, _id: docId, _version: version, result: previous ? 'updated' : 'created' },
    };
  }

  private search(index: string, state: IndexState, body: unknown): RestResponse {
    const request = (body ?? {}) as {
      size?: number;
      query?: Record<string, unknown>;
      _source?: { excludes?: string[] } | boolean;
    };
    const knn = request.query?.knn as
      Record<string, { vector: number[]; k: number; filter?: unknown }> | undefined;
    const excludes = typeof request._source === 'object' ? (request._source.excludes ?? []) : [];
    const strip = (source: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(source).filter(([key]) => !excludes.includes(key)));
    let hits: { id: string; score: number; source: Record<string, unknown> }[];
    if (knn) {
      const [field, spec] = Object.entries(knn)[0] ?? [];
      const knnField = field ? state.knnFields.get(field) : undefined;
      if (!field || !spec || !knnField)
        return error(400, 'query_shard_exception', `field [${field ?? ''}] is not a knn_vector field`);
      if (spec.vector.length !== knnField.dimension) {
        return error(
          400,
          'query_shard_exception',
          `Query vector has invalid dimension: ${spec.vector.length}. Dimension should be: ${knnField.dimension}`,
        );
      }
      hits = [...state.docs]
        .filter(([, doc]) => Array.isArray(doc.source[field]) && matchesFilter(spec.filter, doc.source))
        .map(([id, doc]) => ({
          id,
          score: knnScore(knnField.spaceType, spec.vector, doc.source[field] as number[]),
          source: doc.source,
        }))
        .sort((a, b) => b.score - a.score)
        .slice(0, spec.k);
    } else {
      hits = [...state.docs]
        .filter(([, doc]) => matchesFilter(request.query ?? { match_all: {} }, doc.source))
        .map(([id, doc]) => ({ id, score: 1, source: doc.source }));
    }
    const size = request.size ?? 10;
    return {
      status: 200,
      body: {
        took: 1,
        timed_out: false,
        hits: {
          total: { value: hits.length, relation: 'eq' },
          max_score: hits[0]?.score ?? null,
          hits: hits
            .slice(0, size)
            .map((h) => ({ _index: index, _id: h.id, _score: h.score, _source: strip(h.source) })),
        },
      },
    };
  }
}

/** `EfConstruction` → `ef_construction`: CloudFormation's property names as OpenSearch's. */
const snakeCase = (name: string): string =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/^[A-Z]/, (c) => c.toLowerCase())
    .toLowerCase();

/**
 * The create-index body that an `AWS::OpenSearchServerless::Index` resource's `Settings` and `Mappings` stand for,
 * as CloudFormation sends it: property names in snake case (`SpaceType` → `space_type`), field names as written,
 * `KnnAlgoParamEfSearch` as `knn.algo_param.ef_search`.
 */
export function indexBodyOf(properties: { Settings?: unknown; Mappings?: unknown }): {
  settings: Record<string, unknown>;
  mappings: Record<string, unknown>;
} {
  const convert = (value: unknown, keysAreFields = false): unknown => {
    if (Array.isArray(value)) return value.map((item) => convert(item));
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => {
        if (keysAreFields) return [key, convert(item)];
        if (key === 'KnnAlgoParamEfSearch') return ['knn.algo_param.ef_search', item];
        // Under `Properties` the keys are field names: keep them.
        return [snakeCase(key), convert(item, key === 'Properties')];
      }),
    );
  };
  return {
    settings: (convert(properties.Settings ?? {}) as Record<string, unknown>) ?? {},
    mappings: (convert(properties.Mappings ?? {}) as Record<string, unknown>) ?? {},
  };
}
