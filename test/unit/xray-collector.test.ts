import { createSocket } from 'node:dgram';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { keepTraces, readRunTraces } from '../../local/last-run';
import { TraceCollector } from '../../local/xray/collector';
import { parseDatagram, type SegmentDocument } from '../../local/xray/segment-document';

/** The header line of every datagram the X-Ray daemon accepts (its UDP protocol). */
const DAEMON_HEADER = '{"format":"json","version":1}';

const TRACE = '1-6b002384-36ccc43bc62f30fedd9c7d03';
const segment = (id: string, extra: Partial<SegmentDocument> = {}): SegmentDocument => ({
  name: 'monitoring-agent',
  id,
  trace_id: TRACE,
  start_time: 1_764_000_000.5,
  end_time: 1_764_000_000.9,
  ...extra,
});

/** Sends datagrams to the collector as the X-Ray SDK in a function does. */
async function send(address: string, datagrams: readonly string[]): Promise<void> {
  const [host, port] = address.split(':');
  const socket = createSocket('udp4');
  for (const datagram of datagrams) {
    await new Promise<void>((resolve, reject) =>
      socket.send(datagram, Number(port), host, (error) => (error ? reject(error) : resolve())),
    );
  }
  socket.close();
}

describe('TraceCollector', () => {
  let collector: TraceCollector;
  afterEach(() => collector?.close());

  it('keeps well-formed segment documents and counts the malformed datagrams with the reason, without throwing', async () => {
    collector = await TraceCollector.listen();
    const good = `${DAEMON_HEADER}\n${JSON.stringify(segment('00000000000000a1'))}`;

    await send(collector.address, [
      good,
      '{"trace_id": "no header line"}',
      `{"format":"protobuf","version":9}\n${JSON.stringify(segment('00000000000000a2'))}`,
      `${DAEMON_HEADER}\n{"name": "cut off`,
      `${DAEMON_HEADER}\n${JSON.stringify({ ...segment('00000000000000a3'), trace_id: 'not-a-trace' })}`,
      `${DAEMON_HEADER}\n${JSON.stringify({ ...segment('00000000000000a4'), end_time: undefined })}`,
      `${DAEMON_HEADER}\n${JSON.stringify({ ...segment('00000000000000a5'), type: 'subsegment' })}`,
    ]);
    await collector.flush();

    expect(collector.stats).toEqual({ received: 7, accepted: 1, dropped: 0, unreadable: 6 });
    expect(collector.documents().map((doc) => doc.id)).toEqual(['00000000000000a1']);
    expect(collector.unreadable.map((u) => u.reason)).toEqual([
      'no header line (expected {"format":"json","version":1}\\n)',
      'unsupported header {"format":"protobuf","version":9}',
      'the segment document is not JSON',
      'trace_id: trace_id must look like 1-<8 hex>-<24 hex>',
      'a segment needs end_time or in_progress: true',
      'a subsegment sent on its own needs parent_id',
    ]);
    expect(collector.unreadable[1]!.excerpt).toContain('protobuf');
  });

  it('counts the documents past its bound instead of keeping them', () => {
    collector = TraceCollector.offline({ maxBytes: 400 });
    const datagram = (id: string) => `${DAEMON_HEADER}\n${JSON.stringify(segment(id))}`;

    for (const id of ['00000000000000b1', '00000000000000b2', '00000000000000b3', '00000000000000b4']) {
      collector.receive(datagram(id));
    }

    expect(collector.stats.accepted).toBe(2);
    expect(collector.stats.dropped).toBe(2);
    expect(collector.documents().map((doc) => doc.id)).toEqual(['00000000000000b1', '00000000000000b2']);
  });

  it('checks the segments the sandbox writes itself like received ones', () => {
    collector = TraceCollector.offline();

    collector.add(segment('00000000000000c1', { parent_id: '00000000000000c0' }));
    collector.add({ ...segment('00000000000000c2'), id: 'short' });

    expect(collector.stats).toMatchObject({ accepted: 1, unreadable: 1 });
    expect(collector.unreadable[0]!.reason).toBe(
      'sandbox segment monitoring-agent: id: id must be 16 hexadecimal digits',
    );
  });
});

describe('traces kept with a run', () => {
  it('reads back what the run kept, skipping and counting lines that are not segment documents', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'traces-run-'));
    try {
      const collector = TraceCollector.offline();
      collector.add(segment('00000000000000e1'));
      collector.add(segment('00000000000000e2', { parent_id: '00000000000000e1' }));
      await keepTraces(dir, collector);
      appendFileSync(path.join(dir, 'traces.ndjson'), 'not json\n{"name":"no id"}\n');

      const kept = await readRunTraces(dir);

      expect(kept!.documents.map((doc) => doc.id)).toEqual(['00000000000000e1', '00000000000000e2']);
      expect(kept!.unreadable).toBe(2);
      expect(await readRunTraces(path.join(dir, 'none'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseDatagram', () => {
  it('names the nested subsegment field that is wrong', () => {
    const parsed = parseDatagram(
      `${DAEMON_HEADER}\n${JSON.stringify(
        segment('00000000000000d1', {
          subsegments: [
            {
              name: 'DynamoDB',
              id: '00000000000000d2',
              start_time: 'soon' as unknown as number,
              end_time: 2,
            },
          ],
        }),
      )}`,
    );

    expect(parsed).toEqual({
      ok: false,
      reason: 'subsegments.0.start_time: Invalid input: expected number, received string',
    });
  });
});
