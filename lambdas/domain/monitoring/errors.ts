/** Base class of the monitoring context's errors; match with `instanceof`. */
export class MonitoringError extends Error {
  override readonly name: string = 'MonitoringError';
}

/** An event time that is not an ISO 8601 instant, e.g. a fact whose envelope `time` is missing or garbled. */
export class InvalidEventTime extends MonitoringError {
  override readonly name = 'InvalidEventTime';

  constructor(
    readonly value: unknown,
    options?: ErrorOptions,
  ) {
    super(`invalid event time ${JSON.stringify(value)}: expected an ISO 8601 instant`, options);
  }
}

/** A window length that does not tile the UTC day, so windows would not line up across days and writers. */
export class InvalidWindowLength extends MonitoringError {
  override readonly name = 'InvalidWindowLength';

  constructor(readonly windowMinutes: number) {
    super(`invalid window length ${windowMinutes} minutes: expected a positive integer that divides 1440`);
  }
}

/** A detector setting (defaults merged with configuration overrides) that is missing, unknown or out of range. */
export class InvalidDetectorConfig extends MonitoringError {
  override readonly name = 'InvalidDetectorConfig';

  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`invalid detector config ${field}=${JSON.stringify(value)}: expected ${expected}`);
  }
}

/** Counts or an incident of one scope handed to a function that works on another (or on none). */
export class ScopeMismatch extends MonitoringError {
  override readonly name = 'ScopeMismatch';

  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`scope mismatch: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}
