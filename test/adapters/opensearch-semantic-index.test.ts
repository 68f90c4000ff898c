import { createHash } from 'node:crypto';
import { createServer, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Client, Connection } from '@opensearch-project/opensearch';
import { OpenSearchSemanticIndex } from '../../lambdas/adapters/opensearch-semantic-index';
import { DimensionMismatch } from '../../lambdas/domain/memory/errors';
import type { SemanticDocument } from '../../lambdas/domain/memory/semantic-index';

interface SentRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

interface Reply {
  readonly statusCode: number;
  readonly body?: unknown;
}

type Responder = (request: SentRequest) => Reply;

/**
 * A `Connection` that sends nothing: it records each request the client would send and answers from
 * `respond`, so the test asserts the wire format (paths, methods, JSON bodies).
 */
function recordingConnection(sent: SentRequest[], respond: Responder): typeof Connection {
  return class RecordingConnection extends Connection {
    override request(
      params: Parameters<Connection['request']>[0],
      callback: (error: Error | null, response: IncomingMessage | null) => void,
    ): ClientRequest {
      const raw = typeof params.body === 'string' ? params.body : undefined;
      const request = {
        method: params.method ?? 'GET',
        path: params.path ?? '/',
        body: raw === undefined || raw === '' ? undefined : (JSON.parse(raw) as unknown),
      };
      sent.push(request);
      const reply = respond(request);
      const payload = request.method === 'HEAD' || reply.body === undefined ? '' : JSON.stringify(reply.body);
      const response = Object.assign(Readable.from(payload === '' ? [] : [payload]), {
        statusCode: reply.statusCode,
        headers: {
          'content-type': 'application/json; charset=UTF-8',
          'content-length': String(Buffer.byteLength(payload)),
        },
      });
      process.nextTick(callback, null, response);
      return { abort: () => undefined } as unknown as ClientRequest;
    }
  };
}

const INDEX = 'semantic-memory';

/** A cluster that has no index until it is created, then accepts documents and answers searches with `hits`. */
function cluster(hits: unknown[] = []): { sent: SentRequest[]; client: Client } {
  const sent: SentRequest[] = [];
  let created = false;
  const respond: Responder = (request) => {
    if (request.method === 'HEAD' && request.path === `/${INDEX}`) return { statusCode: created ? 200 : 404 };
    if (request.method === 'PUT' && request.path === `/${INDEX}`) {
      created = true;
      return { statusCode: 200, body: { acknowledged: true, index: INDEX } };
    }
    if (request.path.startsWith(`/${INDEX}/_doc`)) {
      return { statusCode: 201, body: { _index: INDEX, _id: 'server-id', result: 'created' } };
    }
    if (request.path === `/${INDEX}/_search`) {
      return {
        statusCode: 200,
        body: { took: 1, timed_out: false, hits: { total: { value: hits.length }, hits } },
      };
    }
    return { statusCode: 400, body: { error: { type: 'unexpected_request' } } };
  };
  const client = new Client({
    node: 'http://collection.test:9200',
    Connection: recordingConnection(sent, respond),
  });
  return { sent, client };
}

const document = (id: string, vector: number[]): SemanticDocument => ({
  id,
  kind: 'incident',
  vector,
  text: `incident ${id}`,
  metadata: { correlationId: id, outcome: 'succeeded', reroutedCount: 12 },
});

describe('OpenSearchSemanticIndex', () => {
  it('leaves the index to the stack by default: it never checks, creates or changes one', async () => {
    const { sent, client } = cluster();
    const index = new OpenSearchSemanticIndex({ dimensions: 4, client });

    await index.upsert([document('incident#a', [1, 0, 0, 0])]);
    await index.search([1, 0, 0, 0], { k: 1 });

    expect(sent.map((request) => `${request.method} ${request.path}`)).toEqual([
      `POST /${INDEX}/_doc`,
      `POST /${INDEX}/_search`,
    ]);
  });

  it('with createIndex, creates the k-NN index once, with a knn_vector mapping, before the first write', async () => {
    const { sent, client } = cluster();
    const index = new OpenSearchSemanticIndex({ dimensions: 4, client, createIndex: true });

    await index.upsert([document('incident#a', [1, 0, 0, 0])]);
    await index.upsert([document('incident#b', [0, 1, 0, 0])]);

    const admin = sent.filter((request) => request.path === `/${INDEX}`);
    expect(admin.map((request) => request.method)).toEqual(['HEAD', 'PUT']);
    expect(admin[1]!.body).toEqual({
      settings: { index: { knn: true } },
      mappings: {
        properties: {
          docId: { type: 'text', index: false },
          kind: { type: 'text' },
          text: { type: 'text' },
          metadata: { type: 'text', index: false },
          updatedAt: { type: 'text', index: false },
          vector: {
            type: 'knn_vector',
            dimension: 4,
            method: {
              name: 'hnsw',
              engine: 'faiss',
              space_type: 'innerproduct',
              parameters: { ef_construction: 128, m: 16 },
            },
          },
        },
      },
    });
  });

  it('with createIndex, does not create an index that exists', async () => {
    const { sent, client } = cluster();
    await new OpenSearchSemanticIndex({ dimensions: 4, client, createIndex: true }).upsert([
      document('incident#a', [1, 0, 0, 0]),
    ]);
    sent.length = 0;

    await new OpenSearchSemanticIndex({ dimensions: 4, client, createIndex: true }).upsert([
      document('incident#b', [1, 0, 0, 0]),
    ]);

    expect(sent.map((request) => `${request.method} ${request.path}`)).toEqual([
      `HEAD /${INDEX}`,
      `POST /${INDEX}/_doc`,
    ]);
  });

  it('with createIndex, treats an index created concurrently by another function as created', async () => {
    const sent: SentRequest[] = [];
    const respond: Responder = (request) =>
      request.method === 'HEAD'
        ? { statusCode: 404 }
        : request.method === 'PUT'
          ? { statusCode: 400, body: { error: { type: 'resource_already_exists_exception' }, status: 400 } }
          : { statusCode: 201, body: { _id: 'server-id', result: 'created' } };
    const client = new Client({
      node: 'http://collection.test:9200',
      Connection: recordingConnection(sent, respond),
    });

    await new OpenSearchSemanticIndex({ dimensions: 4, client, createIndex: true }).upsert([
      document('incident#a', [1, 0, 0, 0]),
    ]);

    expect(sent.map((request) => request.method)).toEqual(['HEAD', 'PUT', 'POST']);
  });

  it('writes a document with its id, kind, text, metadata (one JSON string) and unit vector, letting Serverless assign the _id', async () => {
    const { sent, client } = cluster();

    await new OpenSearchSemanticIndex({ dimensions: 4, client }).upsert([
      document('incident#a', [3, 0, 4, 0]),
    ]);

    const write = sent.find((request) => request.path.startsWith(`/${INDEX}/_doc`))!;
    expect(write.method).toBe('POST');
    expect(write.path).toBe(`/${INDEX}/_doc`);
    expect(write.body).toEqual({
      docId: 'incident#a',
      kind: 'incident',
      text: 'incident incident#a',
      metadata: JSON.stringify({ correlationId: 'incident#a', outcome: 'succeeded', reroutedCount: 12 }),
      updatedAt: expect.any(String),
      vector: [0.6, 0, 0.8, 0],
    });
  });

  it('indexes under the document id where the cluster allows client ids (a managed domain)', async () => {
    const { sent, client } = cluster();

    await new OpenSearchSemanticIndex({ dimensions: 4, client, clientDocumentIds: true }).upsert([
      document('incident#a', [1, 0, 0, 0]),
    ]);

    expect(sent.at(-1)).toMatchObject({ method: 'PUT', path: `/${INDEX}/_doc/incident%23a` });
  });

  it('searches with a knn query filtered by kind and returns cosine scores, the latest version of each document', async () => {
    // Metadata as written now (a JSON string) and as written before (an object) both read back.
    const source = (docId: string, updatedAt: string, text: string) => ({
      docId,
      kind: 'incident',
      text,
      metadata: docId === 'incident#b' ? { correlationId: docId } : JSON.stringify({ correlationId: docId }),
      updatedAt,
    });
    const { sent, client } = cluster([
      { _id: 's1', _score: 1.9, _source: source('incident#a', '2026-11-21T00:00:00Z', 'newer') },
      { _id: 's2', _score: 1.9, _source: source('incident#a', '2026-11-20T00:00:00Z', 'older') },
      { _id: 's3', _score: 1.5, _source: source('incident#b', '2026-11-20T00:00:00Z', 'b') },
      { _id: 's4', _score: 0.8, _source: source('incident#c', '2026-11-20T00:00:00Z', 'c') },
    ]);
    const index = new OpenSearchSemanticIndex({ dimensions: 4, client });

    const hits = await index.search([0, 2, 0, 0], { k: 2, kind: 'incident', minScore: 0 });

    expect(sent.at(-1)).toEqual({
      method: 'POST',
      path: `/${INDEX}/_search`,
      body: {
        size: 4,
        _source: { excludes: ['vector'] },
        query: { knn: { vector: { vector: [0, 1, 0, 0], k: 4, filter: { term: { kind: 'incident' } } } } },
      },
    });
    expect(hits).toEqual([
      {
        id: 'incident#a',
        kind: 'incident',
        text: 'newer',
        metadata: { correlationId: 'incident#a' },
        score: expect.closeTo(0.9, 10),
      },
      {
        id: 'incident#b',
        kind: 'incident',
        text: 'b',
        metadata: { correlationId: 'incident#b' },
        score: expect.closeTo(0.5, 10),
      },
    ]);
  });

  it('refuses vectors of another dimension before sending anything', async () => {
    const { sent, client } = cluster();
    const index = new OpenSearchSemanticIndex({ dimensions: 4, client });

    await expect(index.search([1, 0], { k: 1 })).rejects.toThrow(DimensionMismatch);
    await expect(index.upsert([document('incident#a', [1, 0])])).rejects.toThrow(DimensionMismatch);
    expect(sent.filter((request) => request.path !== `/${INDEX}`)).toEqual([]);
  });

  it('needs an endpoint and a region when no client is given', () => {
    expect(() => new OpenSearchSemanticIndex({ dimensions: 4 })).toThrow(/endpoint and region are required/);
    expect(
      () =>
        new OpenSearchSemanticIndex({
          dimensions: 4,
          endpoint: 'https://abc123.us-east-1.aoss.amazonaws.com',
          region: 'us-east-1',
        }),
    ).not.toThrow();
  });
});

describe('OpenSearchSemanticIndex on a collection endpoint', () => {
  it('signs every request with SigV4 for the aoss service in the given region', async () => {
    const received: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body,
        });
        response.writeHead(request.method === 'HEAD' ? 200 : 201, { 'content-type': 'application/json' });
        response.end(
          request.method === 'HEAD' ? undefined : JSON.stringify({ _id: 'server-id', result: 'created' }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const index = new OpenSearchSemanticIndex({
        dimensions: 4,
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        region: 'eu-west-1',
        credentials: () => Promise.resolve({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
      });

      await index.upsert([document('incident#a', [1, 0, 0, 0])]);

      expect(received.map((request) => `${request.method} ${request.url}`)).toEqual([`POST /${INDEX}/_doc`]);
      for (const request of received) {
        expect(request.headers.authorization).toMatch(
          /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/aoss\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/,
        );
        expect(request.headers['x-amz-content-sha256']).toBe(
          createHash('sha256').update(request.body).digest('hex'),
        );
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('OpenSearchSemanticIndex scores', () => {
  it('inverts the Faiss inner-product scoring on both sides of zero', async () => {
    const source = (docId: string) => ({
      docId,
      kind: 'incident',
      text: docId,
      metadata: '{}',
      updatedAt: '2026-11-20T00:00:00Z',
    });
    const { client } = cluster([
      { _id: 's1', _score: 1.75, _source: source('incident#a') },
      { _id: 's2', _score: 1, _source: source('incident#b') },
      { _id: 's3', _score: 1 / 1.5, _source: source('incident#c') },
    ]);
    const index = new OpenSearchSemanticIndex({ dimensions: 4, client });

    const hits = await index.search([1, 0, 0, 0], { k: 3 });

    expect(hits.map((hit) => [hit.id, hit.score])).toEqual([
      ['incident#a', expect.closeTo(0.75, 10)],
      ['incident#b', 0],
      ['incident#c', expect.closeTo(-0.5, 10)],
    ]);
  });
});
