import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveTrace } from '../../../local/console/trace-route';
import { VirtualClock } from '../../../local/clock';
import { SandboxTracing } from '../../../local/xray/sandbox-tracing';

const TRACE = '1-67560000-0123456789abcdef01234567';
const T0 = 1_790_000_000;
const INCIDENT = 'warehouse#WH-ATL#2026-11-20T10:35:00Z';

/** `/local/traces/<id>` of the console server, against a real collector (no sandbox around it). */
describe('serveTrace (the console server’s /local/traces/<id>)', () => {
  let tracing: SandboxTracing;
  let state: { sandbox: { traces?: SandboxTracing } | undefined };
  let server: Server;
  let base: string;

  beforeAll(async () => {
    tracing = await SandboxTracing.start(new VirtualClock(T0 * 1000));
    tracing.collector.add({
      trace_id: TRACE,
      id: '00000000000000a1',
      name: 'bus',
      origin: 'AWS::Events',
      start_time: T0,
      end_time: T0,
      annotations: { detail_type: 'order_cancellation_spike', correlation_id: INCIDENT },
    });
    tracing.collector.add({
      trace_id: TRACE,
      id: '00000000000000a2',
      parent_id: '00000000000000a1',
      name: 'saga',
      origin: 'AWS::StepFunctions::StateMachine',
      start_time: T0 + 0.002,
      end_time: T0 + 0.5,
    });
    state = { sandbox: undefined };
    server = createServer((req, res) => {
      void serveTrace(state.sandbox, (req.url ?? '/').slice('/local/traces/'.length), res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/local/traces/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await tracing.close();
  });

  it("answers an incident's waterfall as JSON, its events' traces only", async () => {
    state.sandbox = { traces: tracing };

    const answer = await fetch(`${base}${encodeURIComponent(INCIDENT)}`);

    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const body = (await answer.json()) as {
      correlationId: string;
      waterfall: { nodeCount: number; roots: { label: string; children: { label: string }[] }[] };
    };
    expect(body.correlationId).toBe(INCIDENT);
    expect(body.waterfall.nodeCount).toBe(2);
    expect(body.waterfall.roots[0]!.label).toBe('order_cancellation_spike event (bus)');
    expect(body.waterfall.roots[0]!.children.map((child) => child.label)).toEqual(['Step Functions saga']);
  });

  it('answers a problem naming why there is no waterfall: starting, not traced yet, traces off, bad id', async () => {
    state.sandbox = undefined;
    const starting = await fetch(`${base}x`);
    state.sandbox = { traces: tracing };
    const unknown = await fetch(`${base}${encodeURIComponent('warehouse#WH-DEN#2026-11-20T11:05:00Z')}`);
    const badEncoding = await fetch(`${base}%E0%A4%A`);
    state.sandbox = {};
    const off = await fetch(`${base}x`);

    expect(starting.status).toBe(503);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect(await unknown.json()).toMatchObject({
      title: 'ResourceNotFoundException',
      detail: 'no trace carries correlation id warehouse#WH-DEN#2026-11-20T11:05:00Z',
    });
    expect(badEncoding.status).toBe(400);
    expect(off.status).toBe(501);
    expect(await off.json()).toMatchObject({ title: 'Traces off' });
  });
});
