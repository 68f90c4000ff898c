/**
 * The request model as a Cedar schema: what policies may name. Principals are agents (`Agent::"planning-agent"`),
 * actions are task types (`Action::"reroute_orders"`), resources the entity a task affects
 * (`Warehouse::"WH-NYC"`, `Region::"us-east"`, `Incident::"<correlation id>"`), and the context is
 * {@link PolicyContext}. Policies are validated against it (strict mode) when a configuration is loaded, so a
 * policy that names an attribute or action that does not exist is refused before it can decide anything.
 */

/** Every task type a policy can govern: the task catalog's actions and their compensations. */
export const POLICY_ACTIONS = [
  'reroute_orders',
  'revert_reroute',
  'rebalance_region',
  'revert_rebalance',
  'pause_warehouse_intake',
  'resume_warehouse_intake',
  'open_incident_ticket',
  'close_incident_ticket',
  'notify_customers',
] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export const RESOURCE_TYPES = ['Warehouse', 'Region', 'Incident'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

const PRINCIPAL_TYPE = 'Agent';

export function isPolicyAction(value: string): value is PolicyAction {
  return (POLICY_ACTIONS as readonly string[]).includes(value);
}

/** A Cedar schema in its JSON form (the `cedar-wasm` `SchemaJson`), kept structural so the domain needs no SDK. */
export type CedarSchemaJson = Record<string, unknown>;

/**
 * The Cedar schema of the request model. `thresholdNames` become the attributes of `context.limits`, so a policy
 * reads a threshold from configuration (`context.costCents > context.limits.approvalCostCents`) and a change
 * of value needs no change of policy text.
 */
export function policySchema(thresholdNames: readonly string[]): CedarSchemaJson {
  const long = { type: 'Long' };
  const string = { type: 'String' };
  const context = {
    type: 'Record',
    attributes: {
      costCents: long,
      risk: string,
      riskScoreCents: long,
      valueAtStakeCents: long,
      orders: long,
      customerSegment: string,
      jurisdiction: string,
      autonomy: string,
      irreversible: { type: 'Boolean' },
      limits: {
        type: 'Record',
        attributes: Object.fromEntries([...thresholdNames].sort().map((name) => [name, long])),
      },
    },
  };
  const appliesTo = { principalTypes: [PRINCIPAL_TYPE], resourceTypes: [...RESOURCE_TYPES], context };
  return {
    '': {
      entityTypes: Object.fromEntries([PRINCIPAL_TYPE, ...RESOURCE_TYPES].map((type) => [type, {}])),
      actions: Object.fromEntries(POLICY_ACTIONS.map((action) => [action, { appliesTo }])),
    },
  };
}
