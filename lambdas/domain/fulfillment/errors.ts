/** Base class of every error raised by the fulfillment domain; match subclasses with `instanceof`. */
export class FulfillmentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FulfillmentError';
  }
}

/**
 * An input broke the contract of a fulfillment function.
 *
 * `field` is the path to the offending value as the caller wrote it, e.g. `arcs[3].capacity` or
 * `network.warehouses[1].shippingCost["us-west"]`, and `value` is the value found there.
 */
export class FulfillmentInputError extends FulfillmentError {
  readonly field: string;
  readonly value: unknown;

  constructor(field: string, value: unknown, requirement: string, options?: ErrorOptions) {
    super(`${field} ${requirement}, got ${quote(value)}`, options);
    this.name = 'FulfillmentInputError';
    this.field = field;
    this.value = value;
  }
}

/**
 * The flow network holds a cycle of negative total cost through arcs with positive capacity, so no
 * minimum-cost flow exists. `arcIndices` lists the arcs of one such cycle in order (empty when the
 * cycle could not be traced).
 */
export class NegativeCycleError extends FulfillmentError {
  readonly arcIndices: readonly number[];

  constructor(arcIndices: readonly number[], options?: ErrorOptions) {
    const through = arcIndices.length > 0 ? ` through arcs [${arcIndices.join(', ')}]` : '';
    super(`the network has a negative-cost cycle${through}; minimum-cost flow needs none`, options);
    this.name = 'NegativeCycleError';
    this.arcIndices = arcIndices;
  }
}

function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? typeof value; // functions and symbols have no JSON form
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * A reroute found orders to move but no warehouse that can take any of them (none other serves their regions,
 * or none has capacity left). Nothing moved; `reasons` says why, per region.
 */
export class RerouteNotPlannable extends FulfillmentError {
  readonly reasons: readonly string[];

  constructor(what: string, reasons: readonly string[], options?: ErrorOptions) {
    super(`${what} cannot be planned: ${reasons.join('; ')}`, options);
    this.name = 'RerouteNotPlannable';
    this.reasons = reasons;
  }
}

/**
 * A reroute's compensation ran before it (a late or redelivered command after the saga compensated): its
 * tombstone stops it, and nothing moves.
 */
export class RerouteCancelled extends FulfillmentError {
  constructor(what: string, options?: ErrorOptions) {
    super(`${what} was compensated before it ran; nothing moved`, options);
    this.name = 'RerouteCancelled';
  }
}

/**
 * Concurrent reroutes kept reserving the capacity this one planned with: after `attempts` plans none could be
 * reserved. Nothing moved and nothing is reserved; the command can be sent again.
 */
export class CapacityContended extends FulfillmentError {
  constructor(what: string, attempts: number, options?: ErrorOptions) {
    super(
      `${what}: other reroutes reserved the capacity it planned with, ${attempts} times in a row`,
      options,
    );
    this.name = 'CapacityContended';
  }
}
