/** Base error of the governance context. */
export class GovernanceError extends Error {
  override name = 'GovernanceError';
}

/**
 * A policy request broke its contract (a missing or malformed field, an action the policy schema does not
 * know). Not retryable: the saga catches it by name and escalates.
 */
export class PolicyRequestInvalid extends GovernanceError {
  override name = 'PolicyRequestInvalid';
  constructor(
    /** The offending field, e.g. `task.costCents`. */
    readonly field: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`policy request: ${field}: ${reason}`, options);
  }
}

/**
 * The governance configuration (AppConfig) cannot be used: a field breaks the schema, or a Cedar policy does not
 * parse or does not validate against the request model. Decisions fail closed until a valid version is deployed.
 */
export class GovernanceConfigurationInvalid extends GovernanceError {
  override name = 'GovernanceConfigurationInvalid';
  constructor(
    /** The offending field, e.g. `agents.planning-agent.autonomy` or `policies.approval[costly-task]`. */
    readonly field: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`governance configuration: ${field}: ${reason}`, options);
  }
}
