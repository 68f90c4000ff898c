import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConsoleServer } from '../../../local/console/console-server';
import type { EventEnvelope } from '../../../local/eventbridge/bus';

const envelope = (detailType: string, source: string, detail: Record<string, unknown>): EventEnvelope => ({
  version: '0',
  id: `${detailType}-1`,
  'detail-type': detailType,
  source,
  account: '123456789012',
  time: '2026-11-20T10:36:04Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

/** Reads server-sent events until `count` have arrived (or the stream ends). */
async function readEvents(url: string, count: number): Promise<{ event: string; data: unknown }[]> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const decoder = new TextDecoder();
  let buffer = '';
  const events: { event: string; data: unknown }[] = [];
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
    }
    if (events.length >= count) break;
  }
  controller.abort();
  return events;
}

/** The local console server without a sandbox: its files, its config, its event stream and its refusals. */
describe('ConsoleServer (npm run console)', () => {
  const dist = mkdtempSync(path.join(tmpdir(), 'console-dist-'));
  let server: ConsoleServer;
  beforeAll(async () => {
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(dist, 'assets', 'app-1234.js'), 'export {};');
    server = await ConsoleServer.start({ distDir: dist });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it("serves the console's files, its views as index.html, and nothing outside it", async () => {
    const asset = await fetch(new URL('assets/app-1234.js', server.url));
    const view = await fetch(new URL('traces/warehouse%23WH-ATL', server.url));
    const outside = await fetch(new URL('..%2f..%2fetc%2fpasswd', server.url));
    const config = await fetch(new URL('config.json', server.url));

    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await view.text()).toContain('<title>console</title>');
    expect(outside.status).toBe(403);
    expect(await config.json()).toEqual({
      apiBase: '/api',
      eventsUrl: '/events',
      region: 'us-east-1',
      traces: { kind: 'local', base: '/traces/', api: '/local/traces/' },
      environment: 'sandbox',
    });
  });

  it('answers /api with a problem while the sandbox boots, rather than hanging', async () => {
    const answer = await fetch(new URL('api/approvals', server.url));

    expect(answer.status).toBe(503);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(await answer.json()).toMatchObject({ status: 503, title: 'Sandbox starting' });
  });

  it('streams every bus event: platform events summarised and without task tokens, inputs compacted', async () => {
    const reading = readEvents(new URL('events', server.url).href, 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.live.publish(
      envelope('order_cancelled', 'retail.orders', {
        orderId: 'o-1',
        warehouseId: 'WH-ATL',
        region: 'us-southeast',
        reason: 'late',
      }),
    );
    server.live.publish(
      envelope('approval_requested', 'proactive.planning', {
        correlationId: 'warehouse#WH-ATL#2026-11-20T10:35:00Z',
        taskToken: 'secret-token',
        taskType: 'reroute_orders',
      }),
    );

    const events = await reading;

    expect(events).toEqual([
      {
        event: 'input',
        data: {
          time: '2026-11-20T10:36:04Z',
          detailType: 'order_cancelled',
          warehouseId: 'WH-ATL',
          region: 'us-southeast',
        },
      },
      {
        event: 'platform',
        data: expect.objectContaining({
          detailType: 'approval_requested',
          correlationId: 'warehouse#WH-ATL#2026-11-20T10:35:00Z',
          summary: expect.any(String),
          detail: { correlationId: 'warehouse#WH-ATL#2026-11-20T10:35:00Z', taskType: 'reroute_orders' },
        }),
      },
    ]);
    expect(JSON.stringify(events)).not.toContain('secret-token');
    // A console that connects later gets the platform events so far (not the inputs).
    const late = await readEvents(new URL('events', server.url).href, 1);
    expect(late.map((e) => e.event)).toEqual(['platform']);
  });
});
