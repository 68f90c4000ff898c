import { RemovalPolicy, Validations, type Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

export interface TracedStateMachineProps {
  /** The ASL (JSONPath), with `${Name}` placeholders for `substitutions`. */
  readonly definition: string;
  readonly substitutions: Record<string, string>;
  /** The functions the definition invokes (`lambda:invoke` on their unqualified ARNs). */
  readonly invokes: readonly lambda.IFunction[];
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays | undefined;
  /** @default - the definition's own TimeoutSeconds */
  readonly timeout?: Duration;
}

/**
 * How the platform's state machines are deployed: Standard, traced with X-Ray, every transition logged without
 * inputs and outputs (they carry task tokens and order ids), and allowed to invoke exactly the functions the
 * definition names. Creates `Logs` and `StateMachine` under `scope`.
 */
export function tracedStateMachine(
  scope: Construct,
  props: TracedStateMachineProps,
): { stateMachine: sfn.StateMachine; logGroup: logs.LogGroup } {
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
    stateMachineType: sfn.StateMachineType.STANDARD,
    definitionBody: sfn.DefinitionBody.fromString(props.definition),
    definitionSubstitutions: props.substitutions,
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    ...(props.timeout === undefined ? {} : { timeout: props.timeout }),
  });
  // A string definition gives CDK nothing to derive a policy from: grant exactly what the ASL uses. It invokes
  // the unqualified ARNs; grantInvoke would add `:*` (every version) as well.
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: props.invokes.map((fn) => fn.functionArn),
    }),
  );
  Validations.of(stateMachine).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Step Functions logging (logs:*LogDelivery*, DescribeResourcePolicies) and X-Ray tracing APIs have no resource-level permissions.',
  });
  return { stateMachine, logGroup };
}
