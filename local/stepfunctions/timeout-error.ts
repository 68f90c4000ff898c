import '../polyfills';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';

/** Builds the error a timed-out task fails with (`States.Timeout`, `States.HeartbeatTimeout`). */
export type TimeoutErrorFactory = (
  error: 'States.Timeout' | 'States.HeartbeatTimeout',
  cause: string,
) => Error;

type ErrorConstructor0 = new () => Error;

let probed: Promise<TimeoutErrorFactory> | undefined;

/**
 * On AWS `States.TaskFailed` matches every task error except a timeout. aws-local-stepfunctions implements that
 * exception with `instanceof` on its own (unexported) `StatesTimeoutError`, so a timeout the sandbox enforces on the
 * virtual clock must be an instance of that class. This runs a one-state machine whose task times out after 1 ms
 * (validation off, so a fractional TimeoutSeconds is accepted) and keeps the error's constructor; should a later
 * version change that, the factory falls back to a plain Error with the right name.
 */
export function timeoutErrorFactory(): Promise<TimeoutErrorFactory> {
  probed ??= probeTimeoutErrorClass().then((ctor) => (error, cause) => {
    const instance = ctor ? new ctor() : new Error();
    instance.name = error;
    instance.message = cause;
    return instance;
  });
  return probed;
}

async function probeTimeoutErrorClass(): Promise<ErrorConstructor0 | undefined> {
  const machine = new StateMachine(
    {
      StartAt: 'Probe',
      States: {
        Probe: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:000000000000:function:probe',
          TimeoutSeconds: 0.001,
          End: true,
        },
      },
    },
    { validationOptions: { noValidate: true } },
  );
  const execution = machine.run(null, {
    overrides: {
      taskResourceLocalHandlers: {
        Probe: () => new Promise((resolve) => setTimeout(() => resolve(null), 25)),
      },
    },
  });
  try {
    await execution.result;
    return undefined;
  } catch (error) {
    const cause = error instanceof ExecutionError ? error.cause : undefined;
    if (cause instanceof Error && cause.name === 'States.Timeout') {
      return cause.constructor as ErrorConstructor0;
    }
    return undefined;
  }
}
