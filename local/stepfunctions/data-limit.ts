import { StateMachine } from 'aws-local-stepfunctions';
import { STATES_PAYLOAD_MAX_BYTES, jsonBytes } from '../limits';
import { StateError } from './errors';

/**
 * `States.DataLimitExceeded`: a task's result, a state's output or a state's input after Parameters is over 256 KiB.
 * A terminal error: no Retry retries it and `States.ALL` does not catch it
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). The interpreter's flags are
 * all-or-nothing, so an explicit `ErrorEquals: ["States.DataLimitExceeded"]` does not catch it here either.
 *
 * `Cause` is AWS's for a result or output ("The state/task '…' returned a result with a size exceeding the maximum
 * number of bytes service limit."); AWS publishes no wording for an oversized input, so that one is the sandbox's.
 */
function dataLimitExceeded(name: string, what: 'result' | 'input'): StateError {
  const cause =
    what === 'result'
      ? `The state/task '${name}' returned a result with a size exceeding the maximum number of bytes service limit.`
      : `The state/task '${name}' has an input with a size exceeding the maximum number of bytes service limit.`;
  return new StateError('States.DataLimitExceeded', cause, { retryable: false, catchable: false });
}

/** Throws {@link dataLimitExceeded} when `value`'s JSON is over the limit. */
export function checkPayload(name: string, what: 'result' | 'input', value: unknown): void {
  if (jsonBytes(value) > STATES_PAYLOAD_MAX_BYTES) throw dataLimitExceeded(name, what);
}

/** The interpreter's event logger, as its run loop calls it between states. */
interface TransitionLogger {
  dispatchStateEnteredEvent(stateName: string, stateType: string, input: unknown): void;
  dispatchStateExitedEvent(stateName: string, stateType: string, input: unknown, output: unknown): void;
}

type RunLoop = (
  this: unknown,
  input: unknown,
  options: { eventLogger: TransitionLogger },
  ...rest: unknown[]
) => unknown;

const GUARDED = Symbol.for('proactive-agents.sandbox.data-limit');

/**
 * Makes every state transition of aws-local-stepfunctions check the 256 KiB limit: a state's output as it exits,
 * and a state's input as it is entered (a Map iteration's item after ItemSelector, a Parallel branch's input).
 *
 * The library has no hook between states (task handlers see a task's effective input and its raw result, nothing
 * else), and its public event log is read asynchronously, after the next state has already started. Its run loop
 * (`StateMachine.prototype.execute`, private, run for the root machine and every Map iteration and Parallel
 * branch) announces each transition synchronously on its event logger, so the logger's two transition methods are
 * wrapped for each run: an oversized payload throws there, inside the loop, and fails the execution with
 * `States.DataLimitExceeded` before the next state runs. Installed once; refuses to load against a library whose
 * run loop is not shaped as expected (aws-local-stepfunctions is pinned at 3.0.0), rather than lose the check.
 */
export function enforceStateDataLimit(): void {
  const prototype = StateMachine.prototype as unknown as { execute?: RunLoop; [GUARDED]?: true };
  if (prototype[GUARDED]) return;
  const runLoop = prototype.execute;
  if (typeof runLoop !== 'function') {
    throw new Error(
      'aws-local-stepfunctions has no StateMachine.prototype.execute: the 256 KiB state data limit cannot be enforced',
    );
  }
  prototype.execute = function guardedRunLoop(input, options, ...rest) {
    const logger = options?.eventLogger;
    if (
      typeof logger?.dispatchStateEnteredEvent !== 'function' ||
      typeof logger.dispatchStateExitedEvent !== 'function'
    ) {
      throw new Error(
        'aws-local-stepfunctions changed its event logger: the state data limit cannot be enforced',
      );
    }
    const entered = logger.dispatchStateEnteredEvent.bind(logger);
    const exited = logger.dispatchStateExitedEvent.bind(logger);
    logger.dispatchStateEnteredEvent = (stateName, stateType, stateInput) => {
      checkPayload(stateName, 'input', stateInput);
      entered(stateName, stateType, stateInput);
    };
    logger.dispatchStateExitedEvent = (stateName, stateType, stateInput, output) => {
      checkPayload(stateName, 'result', output);
      exited(stateName, stateType, stateInput, output);
    };
    return runLoop.call(this, input, options, ...rest);
  };
  prototype[GUARDED] = true;
}
