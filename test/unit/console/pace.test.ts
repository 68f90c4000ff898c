import type { ReplayInput } from '../../../local/cli-input';
import { paceInRealTime } from '../../../local/console/pace';

const input = (iso: string): ReplayInput => ({ raw: {}, time: Date.parse(iso), line: 0 });

async function collect(inputs: AsyncIterable<ReplayInput>): Promise<number> {
  let n = 0;
  for await (const _ of inputs) n++;
  return n;
}

async function* from(list: readonly ReplayInput[]): AsyncGenerator<ReplayInput> {
  for (const item of list) yield await Promise.resolve(item);
}

describe('paceInRealTime (npm run console --speed)', () => {
  it('waits the event-time gaps divided by the speed, saving up waits too short to time', async () => {
    const sleeps: number[] = [];
    const pace = paceInRealTime(60, (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    });
    const events = [
      input('2026-11-20T10:00:00Z'),
      input('2026-11-20T10:00:00.600Z'), // 10 ms at 60×: saved up
      input('2026-11-20T10:00:01.200Z'), // 10 ms more: 20 ms, slept
      input('2026-11-20T10:01:00Z'), // a minute of event time: a second
      input('2026-11-20T10:00:30Z'), // out of order: no wait back in time
      { raw: 'not json', time: Number.NaN, line: 7 },
    ];

    const count = await collect(pace(from(events)));

    expect(count).toBe(events.length);
    expect(sleeps.map((ms) => Math.round(ms))).toEqual([20, 980]);
  });

  it('passes the stream through at speed 0, and refuses a negative speed', async () => {
    const sleep = jest.fn(() => Promise.resolve());
    const count = await collect(
      paceInRealTime(0, sleep)(from([input('2026-11-20T10:00:00Z'), input('2026-11-20T11:00:00Z')])),
    );

    expect(count).toBe(2);
    expect(sleep).not.toHaveBeenCalled();
    expect(() => paceInRealTime(-1)).toThrow('--speed must be a number >= 0, got -1');
  });
});
