import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from './template-iam';

/** One request to authorize, as IAM sees it. */
export interface AuthorizationRequest {
  /** The caller: a role ARN, or an assumed-role session ARN. */
  readonly principal: string;
  /** e.g. `dynamodb:UpdateItem`. */
  readonly action: string;
  readonly resource: string;
  readonly identityPolicies: readonly { readonly name: string; readonly policy: PolicyDocument }[];
  /** The resource's policy (a role's trust policy for `sts:AssumeRole`). @default none */
  readonly resourcePolicy?: PolicyDocument;
  /** Request context: `aws:PrincipalTag/<key>`, `aws:RequestTag/<key>`, `aws:TagKeys`, `dynamodb:LeadingKeys`. */
  readonly context: Readonly<Record<string, string | string[]>>;
}

/** The decision, and when denied a reason worded as AWS words it. */
export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/**
 * IAM policy evaluation for the sandbox, by @cloud-copilot/iam-simulate (identity and resource policies, every
 * condition operator, policy variables, same-account trust), for one account.
 */
export class PolicyEvaluator {
  constructor(private readonly accountId: string) {}

  async evaluate(request: AuthorizationRequest): Promise<Decision> {
    const result = await runSimulation(this.simulationOf(request), {});
    if (result.resultType === 'error') {
      // A policy or request the simulator cannot read: fail closed, saying why.
      return {
        allowed: false,
        reason: `the request could not be evaluated: ${JSON.stringify(result.errors)}`,
      };
    }
    return decisionOf(request, result.overallResult);
  }

  /**
   * The same decision without the simulator's check that the resource is one of the action's resource types: for
   * ARNs IAM matches like any other but the simulator's service reference does not know (a WebSocket route's).
   */
  evaluateAnyResource(request: AuthorizationRequest): Decision {
    return decisionOf(request, runUnsafeSimulation(this.simulationOf(request), {}));
  }

  private simulationOf(request: AuthorizationRequest): Simulation {
    return {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: this.accountId },
        contextVariables: { ...request.context },
      },
      identityPolicies: request.identityPolicies.map(({ name, policy }) => ({ name, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    };
  }
}

/** IAM's answer, worded as AWS words a denial. */
function decisionOf(request: AuthorizationRequest, result: string): Decision {
  if (result === 'Allowed') return { allowed: true };
  const how = result === 'ExplicitlyDenied' ? 'with an explicit deny' : 'because no policy allows it';
  return {
    allowed: false,
    reason: `User: ${request.principal} is not authorized to perform: ${request.action} on resource: ${request.resource} ${how}`,
  };
}
