/**
 * The policy request as the saga sends it (the `lambda:invoke` Payload of `statemachines/`), written out here so
 * the tests state the wire format the policy agent must accept; `parsePolicyRequest` fills the defaults.
 */
export interface PolicyRequestInput {
  correlationId: string;
  planId?: string;
  agent: string;
  task: {
    taskId: string;
    taskType: string;
    parameters?: Record<string, unknown>;
    costCents: number;
    risk: 'low' | 'medium' | 'high';
    irreversible?: boolean;
    [extra: string]: unknown;
  };
  impact: { valueAtStakeCents: number; orders?: number };
  customerSegment?: string;
  jurisdiction?: string;
  resource?: { type: 'Warehouse' | 'Region' | 'Incident'; id: string };
  requestedAt?: string;
}
