import type { Activity } from './activity';
import type { VirtualClock } from './clock';
import type { LocalFunction } from './lambda/local-function';
import type { SandboxFaults } from './sandbox-options';

/** What the faults act on: the agents' functions, the virtual clock and the in-flight count. */
export interface FaultTargets {
  /** The function whose Powertools service name is `serviceName` (throws when there is none). */
  functionByService(serviceName: string): LocalFunction;
  readonly clock: VirtualClock;
  readonly activity: Activity;
}

/**
 * The time-boxed function faults of a drill, wrapped around the agents' functions: the slow consumer (virtual
 * time per record) and the hanging agent (every other invocation killed by its timeout). Duplicate delivery and
 * the model's throttling act where delivery and Bedrock are (local/sandbox.ts, local/bedrock/).
 */
export class FaultInjection {
  /** Virtual time at which a time-boxed fault first acted (the slow or hanging agent's first invocation). */
  startedAt?: number;

  constructor(faults: SandboxFaults, targets: FaultTargets) {
    const { slowConsumer, lambdaTimeout } = faults;
    if (slowConsumer) this.slowDown(slowConsumer, targets);
    if (lambdaTimeout) this.hang(lambdaTimeout, targets);
  }

  private slowDown(slowConsumer: NonNullable<SandboxFaults['slowConsumer']>, targets: FaultTargets): void {
    const { clock, activity } = targets;
    const fn = targets.functionByService(slowConsumer.service);
    const invoke = fn.invoke.bind(fn);
    fn.invoke = async (event, invocationType, trace) => {
      const result = await invoke(event, invocationType, trace);
      const now = clock.now();
      this.startedAt ??= now;
      if (now >= this.startedAt + slowConsumer.forSeconds * 1000) return result;
      const records = (event as { Records?: unknown } | null)?.Records;
      const seconds = slowConsumer.secondsPerRecord * (Array.isArray(records) ? records.length : 1);
      // The work takes virtual time: the caller (the queue's poller) waits, off the activity count, so the
      // clock can move on to when it is done.
      activity.end();
      await new Promise<void>((resolve) => clock.setTimer(now + seconds * 1000, resolve));
      activity.begin();
      return result;
    };
  }

  private hang(lambdaTimeout: NonNullable<SandboxFaults['lambdaTimeout']>, targets: FaultTargets): void {
    const { clock } = targets;
    const fn = targets.functionByService(lambdaTimeout.service);
    fn.config = { ...fn.config, hangEveryOther: true, hangTimeoutSeconds: lambdaTimeout.timeoutSeconds };
    const { forSeconds } = lambdaTimeout;
    if (forSeconds === undefined) return;
    const invoke = fn.invoke.bind(fn);
    fn.invoke = (event, invocationType) => {
      if (this.startedAt === undefined) {
        this.startedAt = clock.now();
        clock.setTimer(this.startedAt + forSeconds * 1000, () => {
          fn.config = { ...fn.config, hangEveryOther: false };
        });
      }
      return invoke(event, invocationType);
    };
  }
}
