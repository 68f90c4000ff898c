import type { AuthorizationRequest, Decision, PolicyEvaluator } from '../iam/policy-evaluator';

/** `arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<route key>`: a WebSocket route, three parts. */
const ROUTE_ARN = /^arn:[^:]+:execute-api:[^:]*:[^:]*:[^/]+\/[^/]+\/[^/]+$/;

/**
 * IAM's decision for API Gateway's callers, including on a WebSocket route's ARN (`<api id>/<stage>/$connect`, as
 * AWS documents it for `execute-api:Invoke`). The simulator's service reference knows execute-api resources only
 * as `<api id>/<stage>/<method>/<path>` and refuses to evaluate a route ARN ("no.resource.types"), although IAM
 * matches it like any ARN against the statements' `Resource` patterns: those requests are evaluated by the
 * simulator's engine without its resource-type check; every other goes to the PolicyEvaluator.
 */
export class ExecuteApiPolicies {
  constructor(private readonly evaluator: PolicyEvaluator) {}

  evaluate(request: AuthorizationRequest): Promise<Decision> {
    if (!ROUTE_ARN.test(request.resource)) return this.evaluator.evaluate(request);
    return Promise.resolve(this.evaluator.evaluateAnyResource(request));
  }
}
