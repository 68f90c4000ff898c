/** Thrown for a pattern EventBridge would reject with `InvalidEventPatternException`. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternException';
}

/** Refuses the pattern, with event-ruler's wording. */
export function invalid(message: string): never {
  throw new InvalidEventPatternError(message);
}
