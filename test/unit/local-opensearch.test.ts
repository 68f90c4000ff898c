import { LocalOpenSearch } from '../../local/opensearch';

const mappings = {
  properties: { embedding: { type: 'knn_vector', dimension: 2, method: { space_type: 'innerproduct' } } },
};

function collection(type?: 'SEARCH' | 'TIMESERIES' | 'VECTORSEARCH'): LocalOpenSearch {
  const opensearch = new LocalOpenSearch(type);
  expect(opensearch.handle('PUT', '/memory', { mappings }).status).toBe(200);
  return opensearch;
}

describe('the sandbox OpenSearch Serverless collection: document ids as its collection type allows them', () => {
  it('refuses an index or create request naming its document id in a vector search collection, as AWS does', () => {
    const opensearch = collection();
    for (const [method, path] of [
      ['PUT', '/memory/_doc/incident-1'],
      ['POST', '/memory/_doc/incident-1'],
      ['PUT', '/memory/_create/incident-1'],
    ] as const) {
      expect(opensearch.handle(method, path, { embedding: [1, 0] })).toEqual({
        status: 400,
        body: expect.objectContaining({
          error: expect.objectContaining({
            type: 'illegal_argument_exception',
            reason: 'Document ID is not supported in create/index operation request',
          }),
        }),
      });
    }
    // Nothing was written: the collection chooses the ids of what it stores.
    const search = opensearch.handle('POST', '/memory/_search', { query: { match_all: {} } });
    expect(search.body).toMatchObject({ hits: { total: { value: 0 } } });
    const created = opensearch.handle('POST', '/memory/_doc', { embedding: [1, 0] });
    expect(created).toMatchObject({ status: 201, body: { result: 'created', _id: expect.any(String) } });
  });

  it('keeps a client id in a search collection, where _create refuses one that exists', () => {
    const opensearch = collection('SEARCH');
    expect(opensearch.handle('PUT', '/memory/_doc/a', { embedding: [1, 0] })).toMatchObject({
      status: 201,
      body: { _id: 'a', result: 'created' },
    });
    expect(opensearch.handle('PUT', '/memory/_doc/a', { embedding: [0, 1] })).toMatchObject({
      status: 200,
      body: { _id: 'a', _version: 2, result: 'updated' },
    });
    expect(opensearch.handle('PUT', '/memory/_create/a', { embedding: [0, 1] })).toMatchObject({
      status: 409,
      body: { error: { type: 'version_conflict_engine_exception' } },
    });
  });

  it('does not serve _refresh: Serverless refreshes on its own schedule', () => {
    expect(collection().handle('POST', '/memory/_refresh', undefined).status).toBe(400);
  });
});
