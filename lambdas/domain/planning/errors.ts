/** Base error of the planning context. */
export class PlanningError extends Error {
  override name = 'PlanningError';
}

/** The incident is of a kind no plan in the catalog addresses. */
export class NoApplicablePlan extends PlanningError {
  override name = 'NoApplicablePlan';
  constructor(
    readonly correlationId: string,
    reason: string,
  ) {
    super(`no plan for incident ${correlationId}: ${reason}`);
  }
}
