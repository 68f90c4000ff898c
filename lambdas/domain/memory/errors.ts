/** Base error of the memory context. */
export class MemoryError extends Error {
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
