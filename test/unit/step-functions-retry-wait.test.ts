import { retryWaitMs } from '../../local/stepfunctions/retry-wait';

const named = (name: string) => Object.assign(new Error(name), { name });

describe('retryWaitMs: how long the sandbox waits on the virtual clock before a Task state is retried', () => {
  it('waits IntervalSeconds × BackoffRate^n, at most MaxDelaySeconds, for MaxAttempts retries', () => {
    const retriers = [
      {
        ErrorEquals: ['States.ALL'],
        IntervalSeconds: 5,
        MaxAttempts: 4,
        BackoffRate: 2,
        MaxDelaySeconds: 30,
      },
    ];
    const attempts: number[] = [];
    const waits = Array.from({ length: 5 }, () => retryWaitMs(retriers, attempts, named('CommandFailed')));
    expect(waits).toEqual([5_000, 10_000, 20_000, 30_000, undefined]);
  });

  it("uses AWS's defaults: 1 s, backoff 2, three attempts", () => {
    const attempts: number[] = [];
    const waits = Array.from({ length: 4 }, () =>
      retryWaitMs([{ ErrorEquals: ['Boom'] }], attempts, named('Boom')),
    );
    expect(waits).toEqual([1_000, 2_000, 4_000, undefined]);
  });

  it('lets the first retrier that names the error decide, even once its attempts are used up', () => {
    const retriers = [
      { ErrorEquals: ['Throttled'], IntervalSeconds: 2, MaxAttempts: 1 },
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 9, MaxAttempts: 5 },
    ];
    const attempts: number[] = [];
    expect(retryWaitMs(retriers, attempts, named('Throttled'))).toBe(2_000);
    expect(retryWaitMs(retriers, attempts, named('Throttled'))).toBeUndefined();
    expect(retryWaitMs(retriers, attempts, named('Other'))).toBe(9_000);
  });

  it('matches a timeout with States.Timeout or States.ALL, never with States.TaskFailed, and retries no runtime error', () => {
    const taskFailed = [{ ErrorEquals: ['States.TaskFailed'] }];
    expect(retryWaitMs(taskFailed, [], named('States.Timeout'))).toBeUndefined();
    expect(retryWaitMs(taskFailed, [], named('States.HeartbeatTimeout'))).toBeUndefined();
    expect(retryWaitMs(taskFailed, [], named('Lambda.Unknown'))).toBe(1_000);
    expect(retryWaitMs([{ ErrorEquals: ['States.ALL'] }], [], named('States.Timeout'))).toBe(1_000);
    const runtime = Object.assign(named('States.Runtime'), { isRetryable: false });
    expect(retryWaitMs([{ ErrorEquals: ['States.ALL'] }], [], runtime)).toBeUndefined();
  });
});
