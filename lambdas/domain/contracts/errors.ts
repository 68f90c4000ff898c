/** One problem found in an event, located by its path inside `detail` (or the envelope). */
export interface ContractIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * An event broke its contract. Not retryable: the same bytes fail the same way, so handlers keep the event
 * with this reason (DLQ or error record) instead of retrying it.
 */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
  /** The first offending field, e.g. `detail.warehouseId`; `(event)` when the event itself is unreadable. */
  readonly field: string;

  constructor(
    readonly detailType: string,
    readonly issues: readonly ContractIssue[],
    options?: ErrorOptions,
  ) {
    const first = issues[0] ?? { path: '(event)', message: 'invalid' };
    const rest = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(`${detailType}: ${first.path}: ${first.message}${rest}`, options);
    this.field = first.path;
  }
}

/** A detail-type that no contract describes. */
export class UnknownDetailType extends ContractViolation {
  constructor(detailType: string) {
    super(detailType, [{ path: 'detail-type', message: `no contract for detail-type "${detailType}"` }]);
  }
}
