import { Activity } from '../../local/activity';
import { VirtualClock } from '../../local/clock';
import { LocalEventBus, type DeadLetterSink, type RuleTarget } from '../../local/eventbridge/bus';

const START = Date.parse('2026-11-20T00:00:00Z');
const DLQ = 'arn:aws:sqs:eu-west-1:123456789012:BusDlq';

type DeadLetter = Parameters<DeadLetterSink>[2] & { at: number };

/**
 * A bus with one rule whose target fails as `fail` says (a status code, or undefined once it accepts), the dead
 * letters it writes, and the attempts it made (virtual ms since the start).
 */
function busWith(
  policy: Pick<RuleTarget, 'maximumRetryAttempts' | 'maximumEventAgeSeconds'>,
  fail: (attempt: number) => number | undefined,
) {
  const clock = new VirtualClock(START);
  const activity = new Activity();
  const attempts: number[] = [];
  const deadLetters: DeadLetter[] = [];
  const bus = new LocalEventBus(
    'bus',
    'arn:aws:events:eu-west-1:123456789012:event-bus/bus',
    { region: 'eu-west-1', accountId: '123456789012' },
    clock,
    activity,
    () => {
      const status = fail(attempts.length);
      attempts.push(clock.now() - START);
      return status === undefined
        ? Promise.resolve()
        : Promise.reject(
            Object.assign(new Error(`status ${status}`), { name: 'TargetError', statusCode: status }),
          );
    },
    (_arn, _event, reason) => deadLetters.push({ ...reason, at: clock.now() - START }),
  );
  bus.addRule('all-orders', { source: ['retail.orders'] }, [
    { id: 'target', arn: 'arn:aws:sqs:eu-west-1:123456789012:Target', deadLetterArn: DLQ, ...policy },
  ]);
  /** Runs every timer (the retries) in time order. */
  const drain = async () => {
    await activity.settled();
    for (let next = clock.nextTimerAt(); next !== undefined; next = clock.nextTimerAt()) {
      clock.advanceTo(next);
      await activity.settled();
    }
  };
  return { bus, clock, attempts, deadLetters, drain };
}

const put = (bus: LocalEventBus, time: string) =>
  bus.putEvents([
    {
      EventBusName: 'bus',
      Source: 'retail.orders',
      DetailType: 'order_placed',
      Detail: '{}',
      Time: new Date(time),
    },
  ]);

describe('the sandbox bus retries a target as EventBridge does (retry policy on the virtual clock)', () => {
  it('spreads the default 185 retries over 24 hours, then keeps the event with the attempts and the limit reached', async () => {
    const { bus, attempts, deadLetters, drain } = busWith(
      { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 },
      () => 503,
    );
    put(bus, '2026-11-20T00:00:00Z');
    await drain();

    expect(attempts).toHaveLength(186);
    const lastSeconds = (attempts.at(-1) ?? 0) / 1000;
    expect(lastSeconds).toBeGreaterThan(23.5 * 3600);
    expect(lastSeconds).toBeLessThanOrEqual(86_400);
    expect(deadLetters).toEqual([
      expect.objectContaining({
        errorCode: 'TargetError',
        retryAttempts: 185,
        exhaustedRetryCondition: 'MaximumRetryAttempts',
      }),
    ]);
    // Exponential, then level: 1, 2, 4, … 256 s, then 488 s.
    const gaps = attempts.slice(1).map((at, i) => (at - (attempts[i] ?? 0)) / 1000);
    expect(gaps.slice(0, 10)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 488]);
    expect(new Set(gaps.slice(9))).toEqual(new Set([488]));
  });

  it('measures the age from when the bus took the event, not from its time: an event of two days ago is retried', async () => {
    const { bus, attempts, deadLetters, drain } = busWith(
      { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 },
      (attempt) => (attempt < 3 ? 500 : undefined),
    );
    put(bus, '2026-11-18T00:00:00Z');
    await drain();

    expect(attempts).toEqual([0, 1000, 3000, 7000]);
    expect(deadLetters).toEqual([]);
  });

  it('gives up when the next retry would come after the maximum event age', async () => {
    const { bus, attempts, deadLetters, drain } = busWith(
      { maximumRetryAttempts: 185, maximumEventAgeSeconds: 600 },
      () => 429,
    );
    put(bus, '2026-11-20T00:00:00Z');
    await drain();

    // Retries at 1, 3, 7, … 511 s; the next would be at 999 s, past 600.
    expect(attempts.at(-1)).toBe(511_000);
    expect(deadLetters).toEqual([
      expect.objectContaining({
        retryAttempts: 9,
        exhaustedRetryCondition: 'MaximumEventAgeInSeconds',
        at: 511_000,
      }),
    ]);
  });

  it('sends a refusal it does not retry (a 4xx other than 429: a missing target) to the DLQ at once', async () => {
    const { bus, attempts, deadLetters, drain } = busWith(
      { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 },
      () => 404,
    );
    put(bus, '2026-11-20T00:00:00Z');
    await drain();

    expect(attempts).toEqual([0]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ retryAttempts: 0, at: 0 });
    expect(deadLetters[0]).not.toHaveProperty('exhaustedRetryCondition');
  });

  it('accepts an entry without EventBusName for the default bus, where none of its rules sees it, and counts it', async () => {
    const { bus, attempts, drain } = busWith(
      { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 },
      () => undefined,
    );
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const entry = { Source: 'retail.orders', DetailType: 'order_placed', Detail: '{}' };
      const answer = bus.putEvents([entry, { ...entry, EventBusName: 'default' }, { ...entry, Source: '' }]);
      await drain();

      expect(answer.FailedEntryCount).toBe(1); // validated as AWS validates it: the one without a source
      expect(answer.Entries[0]?.EventId).toEqual(expect.any(String));
      expect(bus.defaultBusEntries).toBe(2);
      expect(bus.archive.length).toBe(0);
      expect(attempts).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });
});
