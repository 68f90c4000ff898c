import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DeliveryAccounting } from '../../local/accounting';
import { ensureAssembly } from '../../local/assembly';
import { replayFile, writeArchive, type FileReplay } from '../../local/replay-file';
import { formatTimeline } from '../../local/timeline';
import { generateLoad } from '../../scenarios/generate-load';
import { assemblyDir, repoRoot } from './sandbox-fixture';

/**
 * A replay far larger than the walk-through, through the same path as `npm start -- --events <file>`: the file
 * streamed line by line, the reorder buffer, the virtual clock's steps, PutEvents validation and rule matching on
 * the bus, the archive (spilled to disk), StartReplay, the timeline and the `--out` writer. No agent subscribes
 * (`onlyConsumers: []`), so the cost is the sandbox's own, not dynalite's: the agents' throughput at this scale
 * is measured by `bench/replay.ts`, which replays through all of them.
 */
describe('a 250,000-event replay through the CLI input path', () => {
  const COUNT = 250_000;
  const UNREADABLE_LINE = 200_001;
  const LATE_ID = 'late-order';
  let dir: string;
  let file: string;
  let replay: FileReplay;
  const times: number[] = [];

  beforeAll(async () => {
    ensureAssembly(repoRoot, assemblyDir, () => undefined);
    dir = mkdtempSync(path.join(tmpdir(), 'pa-large-'));
    file = path.join(dir, 'orders.ndjson');
    // Six hours of event time (360 steps); one unreadable line, and one event that arrives two hours late.
    let lines: string[] = [];
    let firstTime = 0;
    for (const event of generateLoad({ count: COUNT, days: 0.25 })) {
      if (times.length === 0) firstTime = Date.parse(String(event.time));
      times.push(Date.parse(String(event.time)));
      lines.push(JSON.stringify(event));
      if (times.length + 1 === UNREADABLE_LINE) lines.push('{"version":"0", this is not JSON');
      if (times.length === COUNT - 10_000) {
        const late = { ...event, id: LATE_ID, time: new Date(firstTime + 3_600_000).toISOString() };
        times.push(Date.parse(late.time));
        lines.push(JSON.stringify(late));
      }
      if (lines.length >= 10_000) {
        appendFileSync(file, lines.join('\n') + '\n');
        lines = [];
      }
    }
    appendFileSync(file, lines.join('\n') + '\n');
    replay = await replayFile(file, { assemblyDir, onlyConsumers: [] });
  }, 120_000);

  afterAll(async () => {
    await replay?.sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts every readable event on the bus and reports the unreadable line by its number', () => {
    expect(replay.stats.events).toBe(COUNT + 1);
    expect(replay.sandbox.bus.archive.length).toBe(COUNT + 1);
    expect(replay.unreadable).toBe(1);
    expect(replay.sandbox.rejectedInputs).toEqual([
      expect.objectContaining({ line: UNREADABLE_LINE, reason: 'not valid JSON' }),
    ]);
  });

  it('holds only the reorder window of events, and puts an event that arrives too late on the bus late', () => {
    // 30 minutes of a stream of ~700 events a minute, not the 250,000 of the file.
    expect(replay.stats.maxBuffered).toBeLessThan(30_000);
    expect(replay.stats.steps).toBeGreaterThanOrEqual(360);
    expect(replay.stats.late).toBe(1);
    const late = replay.sandbox.bus.archive.find((e) => e.id === LATE_ID);
    expect(late?.time).toBe(new Date(times[0]! + 3_600_000).toISOString().replace('.000Z', 'Z'));
  });

  it('keeps a bounded number of archived events in memory and spills the rest to disk', () => {
    expect(replay.sandbox.bus.archive.inMemory).toBeLessThan(25_000);
  });

  it('replays an archived time range from the spilled archive (StartReplay)', () => {
    const { sandbox } = replay;
    const from = times[0]! + 3_600_000;
    const to = from + 600_000;
    const expected = times.filter((t) => t >= from && t < to).length;
    const answer = sandbox.eventsApi.handle('StartReplay', {
      ReplayName: 'ten-minutes',
      EventSourceArn: sandbox.eventsApi.archiveNames()[0],
      EventStartTime: from / 1000,
      EventEndTime: to / 1000,
      Destination: { Arn: sandbox.bus.arn },
    }) as { StateReason: string };
    expect(expected).toBeGreaterThan(5_000);
    expect(answer.StateReason).toBe(`${expected} event(s) to replay`);
  });

  it('summarises the whole stream in the timeline, counted exactly', () => {
    const lines = formatTimeline(replay.sandbox.bus.archive);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('first event: order');
    const counts = /… ([\d,]+) order_placed, ([\d,]+) order_cancelled/.exec(lines[1]!);
    const total = Number(counts![1]!.replace(/,/g, '')) + Number(counts![2]!.replace(/,/g, ''));
    expect(total).toBe(COUNT);
  });

  it('writes every event to --out, one envelope per line, in the order the bus took them', async () => {
    const out = path.join(dir, 'out.ndjson');
    await writeArchive(replay.sandbox.bus.archive, out);
    const written = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(written).toHaveLength(COUNT + 1);
    expect((JSON.parse(written[0]!) as { id: string }).id).toBe('load-0');
    expect(written.filter((line) => line.includes(`"id":"${LATE_ID}"`))).toHaveLength(1);
  });
});

describe('DeliveryAccounting at scale', () => {
  it('counts 300,000 events once each, duplicates and redeliveries included, keeping only recent ids', () => {
    const accounting = new DeliveryAccounting();
    const ids = Array.from({ length: 300_000 }, (_, i) => `e-${i}`);
    for (let at = 0; at < ids.length; at += 100) {
      const batch = ids.slice(at, at + 100);
      for (const id of batch) accounting.route('agent', id);
      for (const id of batch) accounting.route('agent', id); // duplicate delivery
      accounting.delivered('agent', batch, { ids: [] });
      accounting.delivered('agent', batch.slice(0, 10), { ids: [] }); // redelivered
    }
    accounting.route('agent', 'still-in-queue');
    accounting.route('agent', 'dead-lettered');
    accounting.route('agent', 'vanished');

    expect(
      accounting.account('agent', new Set(['dead-lettered', 'e-299999']), new Set(['still-in-queue'])),
    ).toEqual({
      consumer: 'agent',
      routed: 300_003,
      processed: 299_999,
      deadLettered: 2,
      pending: 1,
      lost: 1,
      deliveries: 6_000,
    });
  });
});

/**
 * The agents' side of a long replay: DynamoDB requests per event, which bound the sandbox's throughput (dynalite
 * serves about a thousand requests a second) and the bill on AWS. The monitoring agent and the order book write a
 * batch's facts in a few TransactWriteItems and read recent windows with BatchGetItem; one request per event
 * or more (as before) would fail this.
 */
describe('a replay through every agent', () => {
  const COUNT = 3_000;
  let dir: string;
  let replay: FileReplay;

  beforeAll(async () => {
    ensureAssembly(repoRoot, assemblyDir, () => undefined);
    dir = mkdtempSync(path.join(tmpdir(), 'pa-agents-'));
    const file = path.join(dir, 'orders.ndjson');
    // Forty-five minutes at ~65 orders a minute, the labelled 1M-event stream's rate: the batches, and so the
    // requests per event, are those of a longer stream at that rate (the tables' setup, ~40 requests, is 1.5%).
    const lines = [...generateLoad({ count: COUNT, days: 0.03125 })].map((event) => JSON.stringify(event));
    appendFileSync(file, lines.join('\n') + '\n');
    replay = await replayFile(file, { assemblyDir });
  }, 300_000);

  afterAll(async () => {
    await replay?.sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks DynamoDB fewer than one request per five events, and loses none', async () => {
    const requests = await replay.sandbox.dynamo!.requests();
    const total = Object.values(requests).reduce((n, count) => n + count, 0);
    const accounts = replay.sandbox.accountingReport();

    expect(total / COUNT).toBeLessThan(0.2);
    expect(requests.TransactWriteItems).toBeGreaterThan(0);
    for (const consumer of ['monitoring-agent', 'fulfillment-order-book']) {
      expect(accounts.find((a) => a.consumer === consumer)).toMatchObject({
        routed: COUNT,
        processed: COUNT,
        lost: 0,
      });
    }
  });
});
