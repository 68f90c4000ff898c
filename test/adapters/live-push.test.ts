import {
  ApiGatewayManagementApiClient,
  GoneException,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type * as LiveConnections from '../../lambdas/handlers/live-connections';
import type * as LivePush from '../../lambdas/handlers/live-push';
import type { LiveSocketFrame } from '../../lambdas/domain/contracts/live-message';
import { DynamoLiveConnections } from '../../lambdas/adapters/dynamodb-live-connections';
import { pkTable, startDynamo, type LocalDynamo } from './dynalite';

/** API Gateway's management API: the AWS boundary, mocked; the connections table is dynalite. */
const management = mockClient(ApiGatewayManagementApiClient);

/** What API Gateway hands the connection handler on `$connect` (IAM-authorized) and `$disconnect`. */
const connectionEvent = (routeKey: '$connect' | '$disconnect', connectionId: string) => ({
  requestContext: {
    routeKey,
    eventType: routeKey === '$connect' ? 'CONNECT' : 'DISCONNECT',
    connectionId,
    connectedAt: Date.parse('2026-12-07T09:00:00Z'),
    domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
    stage: 'live',
    identity: {
      userArn: 'arn:aws:sts::123456789012:assumed-role/Operators/CognitoIdentityCredentials',
      cognitoIdentityId: 'eu-west-1:0000-1111',
      sourceIp: '203.0.113.7',
    },
  },
  isBase64Encoded: false,
});

/** A platform event as the rule delivers it to the push function. */
const platformEvent = (id: string, detail: Record<string, unknown>) => ({
  version: '0',
  id,
  'detail-type': 'remediation_planned',
  source: 'proactive.planning',
  account: '123456789012',
  time: '2026-11-20T10:46:00Z',
  region: 'eu-west-1',
  resources: [],
  detail,
});

const plan = (evidence: string[]) => ({
  schemaVersion: 1,
  correlationId: 'warehouse#WH-NYC#2026-11-20T10:40:00Z',
  taskToken: 'AAAA-secret-token',
  planner: 'rule',
  tasks: [],
  evidence,
});

describe('the live channel handlers: $connect/$disconnect and the push function (dynalite, management API mocked)', () => {
  let dynamo: LocalDynamo;
  let connect: typeof LiveConnections.run;
  let push: typeof LivePush.run;
  const saved = { ...process.env };
  /** Data posted per connection id, in order. */
  let posted: Map<string, string[]>;
  let gone: Set<string>;
  let failing: Set<string>;
  /** Connections whose client buffer is full, with how many more posts it refuses (LimitExceededException). */
  let full: Map<string, number>;
  let inFlight = 0;
  let mostInFlight = 0;

  beforeAll(async () => {
    dynamo = await startDynamo([pkTable('Connections')]);
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
      CONNECTIONS_TABLE_NAME: 'Connections',
      WEBSOCKET_CALLBACK_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com/live',
      PUSH_CONCURRENCY: '3',
      CONNECTIONS_PAGE_SIZE: '4',
      EVENT_BUS_NAME: 'proactive-agents',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_NAMESPACE: 'ProactiveAgents',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    // Loaded once their environment is set, as Lambda loads them.
    ({ run: connect } = jest.requireActual<typeof LiveConnections>(
      '../../lambdas/handlers/live-connections',
    ));
    ({ run: push } = jest.requireActual<typeof LivePush>('../../lambdas/handlers/live-push'));
  }, 60_000);

  beforeEach(() => {
    posted = new Map();
    gone = new Set();
    failing = new Set();
    full = new Map();
    mostInFlight = 0;
    management.reset();
    management
      .on(PostToConnectionCommand)
      .callsFake(async (input: { ConnectionId: string; Data: Uint8Array }) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        if (gone.has(input.ConnectionId)) {
          throw new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } });
        }
        if (failing.has(input.ConnectionId)) {
          throw Object.assign(new Error('Internal server error'), {
            name: 'InternalServerError',
            $metadata: { httpStatusCode: 500 },
          });
        }
        const refusals = full.get(input.ConnectionId) ?? 0;
        if (refusals > 0) {
          full.set(input.ConnectionId, refusals - 1);
          throw new LimitExceededException({ message: 'Limit exceeded', $metadata: { httpStatusCode: 429 } });
        }
        const data = new TextDecoder().decode(input.Data);
        posted.set(input.ConnectionId, [...(posted.get(input.ConnectionId) ?? []), data]);
        return {};
      });
  });

  afterAll(async () => {
    process.env = saved;
    await dynamo.stop();
  });

  const connected = async () =>
    ((await dynamo.client.send(new ScanCommand({ TableName: 'Connections' }))).Items ?? [])
      .map((item) => item.pk!.S!)
      .sort();

  it('records a connection on $connect with who signed it and when it expires, and forgets it on $disconnect', async () => {
    expect(await connect(connectionEvent('$connect', 'conn-a'))).toEqual({ statusCode: 200 });

    const [item] = (await dynamo.client.send(new ScanCommand({ TableName: 'Connections' }))).Items ?? [];
    expect(item).toEqual({
      pk: { S: 'conn-a' },
      connectedAt: { S: '2026-12-07T09:00:00.000Z' },
      caller: { S: 'arn:aws:sts::123456789012:assumed-role/Operators/CognitoIdentityCredentials' },
      // API Gateway closes a connection after two hours: TTL removes one whose $disconnect never came.
      expiresAt: { N: String(Date.parse('2026-12-07T11:00:00Z') / 1000) },
    });

    expect(await connect(connectionEvent('$disconnect', 'conn-a'))).toEqual({ statusCode: 200 });
    expect(await connected()).toEqual([]);
  });

  it('refuses an event that is not $connect or $disconnect, naming the field', async () => {
    await expect(connect({ requestContext: { routeKey: 'sendMessage' } })).rejects.toThrow(
      /^requestContext\.routeKey: /,
    );
  });

  it('posts the compact message to every connection, page by page, at most PUSH_CONCURRENCY at once, and forgets the gone', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `conn-${String(i).padStart(2, '0')}`);
    for (const id of ids) await connect(connectionEvent('$connect', id));
    gone.add('conn-03').add('conn-07');

    await push(platformEvent('evt-1', plan(['template t-1 reused (cosine 0.91)'])));

    expect([...posted.keys()].sort()).toEqual(ids.filter((id) => !gone.has(id)));
    expect(mostInFlight).toBeLessThanOrEqual(3);
    expect(mostInFlight).toBeGreaterThan(1);
    expect(await connected()).toEqual(ids.filter((id) => !gone.has(id)));
    const frame = JSON.parse(posted.get('conn-00')![0]!) as LiveSocketFrame;
    expect(frame).toEqual({
      kind: 'platform',
      message: {
        id: 'evt-1',
        time: '2026-11-20T10:46:00Z',
        source: 'proactive.planning',
        detailType: 'remediation_planned',
        correlationId: 'warehouse#WH-NYC#2026-11-20T10:40:00Z',
        summary: expect.any(String),
        // The task token stays with the platform.
        detail: {
          schemaVersion: 1,
          correlationId: 'warehouse#WH-NYC#2026-11-20T10:40:00Z',
          planner: 'rule',
          tasks: [],
          evidence: ['template t-1 reused (cosine 0.91)'],
        },
      },
    });
    for (const id of ids) await connect(connectionEvent('$disconnect', id));
  });

  it('cuts a message over 128 KB to fit, and says what it cut', async () => {
    await connect(connectionEvent('$connect', 'conn-big'));
    const evidence = Array.from({ length: 400 }, (_, i) => `similar incident ${i}: ${'x'.repeat(600)}`);

    await push(platformEvent('evt-big', plan(evidence)));

    const data = posted.get('conn-big')![0]!;
    expect(new TextEncoder().encode(data).length).toBeLessThanOrEqual(128 * 1024);
    const { message } = JSON.parse(data) as LiveSocketFrame;
    const kept = (message.detail as { evidence: string[] }).evidence;
    expect(kept.length).toBeGreaterThan(100);
    expect(kept.length).toBeLessThan(400);
    expect(kept).toEqual(evidence.slice(0, kept.length));
    expect(message.truncated).toMatch(new RegExp(`^detail\\.evidence: ${kept.length} of 400 lines kept`));
    await connect(connectionEvent('$disconnect', 'conn-big'));
  });

  it('tries every connection when some posts fail, then fails the invocation (Lambda retries, then its DLQ)', async () => {
    for (const id of ['conn-x', 'conn-y', 'conn-z']) await connect(connectionEvent('$connect', id));
    failing.add('conn-y');

    await expect(push(platformEvent('evt-2', plan([])))).rejects.toMatchObject({
      name: 'BroadcastFailed',
      outcome: { delivered: 2, gone: 0, skipped: 0, failed: 1 },
    });
    expect([...posted.keys()].sort()).toEqual(['conn-x', 'conn-z']);
    // A failure is not a gone connection: it is kept for the retry.
    expect(await connected()).toEqual(['conn-x', 'conn-y', 'conn-z']);
    for (const id of ['conn-x', 'conn-y', 'conn-z']) await connect(connectionEvent('$disconnect', id));
  });

  it('skips a console whose buffer stays full after two more tries, and sends the others the event once', async () => {
    for (const id of ['conn-p', 'conn-q', 'conn-r']) await connect(connectionEvent('$connect', id));
    full.set('conn-q', Number.POSITIVE_INFINITY); // never reads
    full.set('conn-r', 1); // full for one post, then reads again

    // The invocation succeeds: no retry posts the event again to the consoles that had it.
    await push(platformEvent('evt-3', plan([])));
    expect([...posted.keys()].sort()).toEqual(['conn-p', 'conn-r']);
    expect(posted.get('conn-p')).toHaveLength(1);
    expect(posted.get('conn-r')).toHaveLength(1);
    // Three posts to the full console (the first and two more), none delivered; it stays connected.
    expect(
      management
        .commandCalls(PostToConnectionCommand)
        .filter((call) => call.args[0].input.ConnectionId === 'conn-q'),
    ).toHaveLength(3);
    expect(await connected()).toEqual(['conn-p', 'conn-q', 'conn-r']);
    for (const id of ['conn-p', 'conn-q', 'conn-r']) await connect(connectionEvent('$disconnect', id));
  });

  it('reads connections a page at a time (Scan with a limit), never the whole list in one call', async () => {
    const store = new DynamoLiveConnections('Connections', dynamo.client, 4);
    const ids = Array.from({ length: 10 }, (_, i) => `page-${i}`);
    for (const id of ids)
      await store.add({ connectionId: id, connectedAt: '2026-12-07T09:00:00Z', caller: 'test' });

    const pages: (readonly string[])[] = [];
    for await (const page of store.pages()) pages.push(page);

    expect(pages.map((page) => page.length)).toEqual([4, 4, 2]);
    expect(pages.flat().sort()).toEqual(ids.sort());
    for (const id of ids) await store.remove(id);
    expect(await connected()).toEqual([]);
  });

  it('refuses an event that is not an EventBridge envelope, naming the field', async () => {
    await expect(push({ 'detail-type': 'remediation_planned', detail: {} })).rejects.toMatchObject({
      name: 'ContractViolation',
      detailType: 'remediation_planned',
    });
  });
});
