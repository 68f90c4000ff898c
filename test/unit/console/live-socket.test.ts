import { createHash, createHmac } from 'node:crypto';
import { connectLiveSocket, presignedSocketUrl, type SocketLike } from '../../../console/src/live-socket';
import type { PlatformEventMessage } from '../../../console/src/live-messages';

const CREDENTIALS = {
  accessKeyId: 'ASIAOPERATOR000EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjE+session/token==',
};
const LIVE_URL = 'wss://abc123.execute-api.eu-west-1.amazonaws.com/live';

/** RFC 3986 encoding, as SigV4's canonical query string uses it. */
const rfc3986 = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * The signature API Gateway computes for a presigned `$connect` (SigV4, query-string signing), written out from the
 * specification: the canonical request, the string to sign and the derived key.
 */
function expectedSignature(url: URL): string {
  const params = [...url.searchParams].filter(([name]) => name !== 'X-Amz-Signature');
  const canonicalQuery = params
    .map(([name, value]) => [rfc3986(name), rfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    url.pathname,
    canonicalQuery,
    `host:${url.host}\n`,
    'host',
    createHash('sha256').update('').digest('hex'),
  ].join('\n');
  const date = url.searchParams.get('X-Amz-Date')!;
  const scope = `${date.slice(0, 8)}/eu-west-1/execute-api/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    date,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const key = ['eu-west-1', 'execute-api', 'aws4_request'].reduce(
    (k, part) => hmac(k, part),
    hmac(`AWS4${CREDENTIALS.secretAccessKey}`, date.slice(0, 8)),
  );
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

describe('presignedSocketUrl (SigV4 in the query string, as API Gateway authorizes $connect)', () => {
  it('signs GET on the stage path for execute-api with the session token, valid for a minute', async () => {
    const now = () => Date.parse('2026-12-07T09:00:00Z');

    const url = new URL(
      await presignedSocketUrl(LIVE_URL, 'eu-west-1', () => Promise.resolve(CREDENTIALS), now),
    );

    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(LIVE_URL);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `${CREDENTIALS.accessKeyId}/20261207/eu-west-1/execute-api/aws4_request`,
      'X-Amz-Date': '20261207T090000Z',
      'X-Amz-Expires': '60',
      'X-Amz-Security-Token': CREDENTIALS.sessionToken,
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': expectedSignature(url),
    });
  });

  it('fails when there are no credentials (signed out): the reconnect loop reports it and tries again', async () => {
    const signedOut = () => Promise.reject(new Error('sign in to call the operator API'));
    await expect(presignedSocketUrl(LIVE_URL, 'eu-west-1', signedOut)).rejects.toThrow(/sign in/);
  });
});

/** A browser WebSocket stand-in: the test opens, delivers and closes it. */
class FakeSocket implements SocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close(): void {
    this.closed = true;
    this.onclose?.({});
  }
  drop(): void {
    this.onerror?.({});
    this.onclose?.({});
  }
}

/** Timers the test runs by hand, in the order they were set. */
function manualTimers() {
  const pending: { run: () => void; ms: number; cleared: boolean }[] = [];
  return {
    pending,
    setTimer: (run: () => void, ms: number) => {
      const timer = { run, ms, cleared: false };
      pending.push(timer);
      return timer;
    },
    clearTimer: (timer: unknown) => void ((timer as { cleared: boolean }).cleared = true),
    /** Runs the oldest timer still pending; returns its delay. */
    async fire(): Promise<number> {
      const timer = pending.shift()!;
      timer.run();
      await new Promise((resolve) => setImmediate(resolve));
      return timer.ms;
    },
  };
}

const message = (id: string): PlatformEventMessage => ({
  id,
  time: '2026-11-20T10:46:00Z',
  source: 'proactive.fulfillment',
  detailType: 'reroute_complete',
  correlationId: 'warehouse#WH-NYC#2026-11-20T10:40:00Z',
  summary: 'rerouted',
  detail: {},
});

describe('connectLiveSocket (reconnects with backoff)', () => {
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  function harness(signedUrl: () => Promise<string>) {
    const sockets: FakeSocket[] = [];
    const events: string[] = [];
    const timers = manualTimers();
    const stop = connectLiveSocket(
      signedUrl,
      {
        platform: (m) => events.push(`platform ${m.id}`),
        connected: (open) => events.push(open ? 'open' : 'closed'),
        problem: (error) => events.push(`problem ${error.message}`),
      },
      (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      { initialDelayMs: 1000, maxDelayMs: 8000, random: () => 0.5, ...timers },
    );
    return { sockets, events, timers, stop };
  }

  it('opens a freshly presigned URL each attempt and hands every platform frame to the fold', async () => {
    let signed = 0;
    const { sockets, events } = harness(() => Promise.resolve(`${LIVE_URL}?X-Amz-Signature=${++signed}`));
    await settle();

    sockets[0]!.onopen?.({});
    sockets[0]!.onmessage?.({ data: JSON.stringify({ kind: 'platform', message: message('evt-1') }) });
    sockets[0]!.onmessage?.({ data: 'not json' });
    sockets[0]!.onmessage?.({ data: JSON.stringify({ kind: 'input' }) });

    expect(sockets[0]!.url).toBe(`${LIVE_URL}?X-Amz-Signature=1`);
    expect(events).toEqual([
      'open',
      'platform evt-1',
      'problem live message: not JSON',
      'problem live message: kind "input" is not "platform"',
    ]);
  });

  it('backs off exponentially (capped, jittered) while attempts fail, and starts over after a connection opens', async () => {
    let signed = 0;
    const { sockets, events, timers } = harness(() => Promise.resolve(`${LIVE_URL}?n=${++signed}`));
    await settle();

    // The handshake is refused (403) four times in a row: 1, 2, 4, then 8 s (the cap), each half fixed, half random.
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      sockets.at(-1)!.drop();
      delays.push(await timers.fire());
    }
    expect(delays).toEqual([750, 1500, 3000, 6000]);
    // It opens, then API Gateway closes it (idle for ten minutes): the next attempt waits the first delay again.
    sockets.at(-1)!.onopen?.({});
    sockets.at(-1)!.drop();
    expect(await timers.fire()).toBe(750);

    expect(sockets.map((s) => s.url)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `${LIVE_URL}?n=${n}`));
    expect(events.filter((e) => e === 'closed')).toHaveLength(5);
    expect(events.filter((e) => e === 'open')).toHaveLength(1);
  });

  it('reports a failed presign (no credentials) and tries again after the backoff', async () => {
    let calls = 0;
    const { sockets, events, timers } = harness(() =>
      ++calls === 1
        ? Promise.reject(new Error('sign in to call the operator API'))
        : Promise.resolve(LIVE_URL),
    );
    await settle();

    expect(sockets).toEqual([]);
    expect(events).toEqual(['problem sign in to call the operator API']);
    expect(await timers.fire()).toBe(750);
    expect(sockets).toHaveLength(1);
  });

  it('closes the socket and stops reconnecting when unsubscribed', async () => {
    const { sockets, events, timers, stop } = harness(() => Promise.resolve(LIVE_URL));
    await settle();
    sockets[0]!.onopen?.({});

    stop();

    expect(sockets[0]!.closed).toBe(true);
    expect(timers.pending).toEqual([]);
    expect(events).toEqual(['open']);
  });
});
