/** Base error of the memory context. */
class MemoryError extends Error {
  override name = 'MemoryError';
}

/** A vector's length is not the dimension of the space it is compared or stored in. */
export class DimensionMismatch extends MemoryError {
  override name = 'DimensionMismatch';
  constructor(
    readonly expected: number,
    readonly actual: number,
    where: string,
  ) {
    super(`${where}: expected a vector of ${expected} dimensions, got ${actual}`);
  }
}

/** `recordOutcome` named a template the store does not hold. */
export class TemplateNotFound extends MemoryError {
  override name = 'TemplateNotFound';
  constructor(readonly templateId: string) {
    super(`no procedural template ${templateId}`);
  }
}

/** A decision-trace record (or the correlation id it is filed under) is malformed: the message names the field. */
export class TraceRecordInvalid extends MemoryError {
  override name = 'TraceRecordInvalid';
  constructor(
    /** The offending field, e.g. `taskId` or `correlationId`. */
    readonly field: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`decision trace: ${field}: ${reason}`, options);
  }
}
