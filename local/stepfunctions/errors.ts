/**
 * Errors of the Step Functions stand-in.
 *
 * API errors carry the AWS error code as `name`, so the HTTP endpoint renders `{ "__type": name, "message": … }`
 * exactly as the AWS JSON 1.0 protocol does. State errors carry the States Language error name that `Retry` and
 * `Catch` match, and `message` is the `Cause` a catcher sees.
 */

/** An error of the Step Functions API (StartExecution, SendTaskSuccess, …), named for its AWS error code. */
abstract class StepFunctionsApiError extends Error {
  /** The HTTP status the JSON protocol answers with. */
  readonly statusCode: number = 400;
}

/** The task token is malformed (empty, or longer than the 2,048 characters AWS accepts). */
export class InvalidToken extends StepFunctionsApiError {
  override readonly name = 'InvalidToken';
}

/** No task waits on this token: it was never issued, or its task already completed or was stopped. */
export class TaskDoesNotExist extends StepFunctionsApiError {
  override readonly name = 'TaskDoesNotExist';
}

/** The token's task timed out (TimeoutSeconds or HeartbeatSeconds) before the callback arrived. */
export class TaskTimedOut extends StepFunctionsApiError {
  override readonly name = 'TaskTimedOut';
}

/** The output sent with SendTaskSuccess is not valid JSON. */
export class InvalidOutput extends StepFunctionsApiError {
  override readonly name = 'InvalidOutput';
}

export class InvalidExecutionInput extends StepFunctionsApiError {
  override readonly name = 'InvalidExecutionInput';
}

export class InvalidArn extends StepFunctionsApiError {
  override readonly name = 'InvalidArn';
}

export class InvalidName extends StepFunctionsApiError {
  override readonly name = 'InvalidName';
}

/** The definition cannot run here: invalid ASL, or a feature aws-local-stepfunctions does not implement. */
export class InvalidDefinition extends StepFunctionsApiError {
  override readonly name = 'InvalidDefinition';
}

export class ExecutionDoesNotExist extends StepFunctionsApiError {
  override readonly name = 'ExecutionDoesNotExist';
}

/** An execution of that name exists already with a different input, or is no longer running. */
export class ExecutionAlreadyExists extends StepFunctionsApiError {
  override readonly name = 'ExecutionAlreadyExists';
}

export class StateMachineDoesNotExist extends StepFunctionsApiError {
  override readonly name = 'StateMachineDoesNotExist';
}

export class StateMachineAlreadyExists extends StepFunctionsApiError {
  override readonly name = 'StateMachineAlreadyExists';
}

/** A request field is missing, of the wrong type, or out of range. */
export class ValidationException extends StepFunctionsApiError {
  override readonly name = 'ValidationException';
}

/** The JSON protocol's answer to an `X-Amz-Target` this stand-in does not implement. */
export class UnknownOperationException extends StepFunctionsApiError {
  override readonly name = 'UnknownOperationException';
}

/**
 * A state failure as the interpreter sees it: `name` is the error `Retry`/`Catch` match (`States.Timeout`,
 * `DynamoDB.ConditionalCheckFailedException`, a Lambda errorType…) and `message` is the `Cause`.
 *
 * aws-local-stepfunctions reads `isRetryable`/`isCatchable`; `States.Runtime`-like failures set both to false, as
 * on AWS. No `cause` option is set on purpose: the interpreter reports `error.cause ?? error.message` as Cause.
 */
export class StateError extends Error {
  private readonly retryable: boolean;
  private readonly catchable: boolean;

  constructor(error: string, cause: string, options: { retryable?: boolean; catchable?: boolean } = {}) {
    super(cause);
    this.name = error;
    this.retryable = options.retryable ?? true;
    this.catchable = options.catchable ?? true;
  }

  get isRetryable(): boolean {
    return this.retryable;
  }

  get isCatchable(): boolean {
    return this.catchable;
  }
}

/** A failure no `Retry` or `Catch` may handle (`States.Runtime` on AWS). */
export function runtimeError(cause: string): StateError {
  return new StateError('States.Runtime', cause, { retryable: false, catchable: false });
}
