/** Base error of the operations context (warehouse intake, incident tickets, customer notifications). */
export class OperationsError extends Error {
  override name = 'OperationsError';
}

/**
 * A command arrived after its compensation had already run (a delayed or redelivered command after the saga
 * compensated): the compensation's tombstone stops it, and nothing changes.
 */
export class CommandCancelled extends OperationsError {
  override name = 'CommandCancelled';
  constructor(
    readonly commandType: string,
    readonly idempotencyKey: string,
    options?: ErrorOptions,
  ) {
    super(`${commandType} ${idempotencyKey} was compensated before it ran; nothing changed`, options);
  }
}
