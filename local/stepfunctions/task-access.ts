import type { TaskSpec } from './definition';
import { completeFunctionArn, type AccountScope } from './integrations';
import { isJsonObject, type Json } from './json';

/** What a Task state asks of AWS with the state machine's role: IAM actions on resources, and its error's name. */
export interface TaskAccess {
  /** The error a refusal raises in the state machine (the service's generic exception, as Step Functions names it). */
  readonly errorName: string;
  /** The service as Step Functions names it in a cause (`AWSLambda`). */
  readonly service: string;
  readonly requests: readonly {
    readonly action: string;
    readonly resource: string;
    /** Condition keys of the request (`events:source`, `events:detail-type` of a PutEvents entry). */
    readonly context?: Readonly<Record<string, string>>;
  }[];
}

/**
 * The IAM actions a Task state's call needs of the state machine's role, on which resources
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-integration-iam-templates.html): Lambda's
 * `lambda:InvokeFunction` on the function (a qualified ARN when a Qualifier is given), EventBridge's
 * `events:PutEvents` on each entry's bus (the account's default bus where an entry names none), Step Functions'
 * `states:StartExecution` on the machine started, DynamoDB's `dynamodb:<Operation>` on the table, CloudWatch's
 * `cloudwatch:PutMetricData` with its `cloudwatch:namespace`. Undefined for a
 * state that calls no service (a Wait) or one the sandbox cannot run anyway.
 */
export function taskAccessOf(spec: TaskSpec, parameters: Json, scope: AccountScope): TaskAccess | undefined {
  const request = isJsonObject(parameters) ? parameters : {};
  const { integration } = spec;
  switch (integration.kind) {
    case 'lambda:invoke': {
      if (typeof request.FunctionName !== 'string') return undefined;
      const resource = completeFunctionArn(request.FunctionName, request.Qualifier, scope);
      return lambda(resource);
    }
    case 'lambda:function':
      return lambda(spec.resource);
    case 'events:putEvents': {
      // Each entry is authorized on its own bus, with its source and detail-type as condition keys
      // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html).
      const entries = Array.isArray(request.Entries) ? request.Entries : [];
      return {
        errorName: 'EventBridge.AmazonEventBridgeException',
        service: 'AmazonEventBridge',
        requests: entries.map((entry) => {
          const e = isJsonObject(entry) ? entry : {};
          const name = typeof e.EventBusName === 'string' ? e.EventBusName : 'default';
          const context: Record<string, string> = {};
          if (typeof e.Source === 'string') context['events:source'] = e.Source;
          if (typeof e.DetailType === 'string') context['events:detail-type'] = e.DetailType;
          return {
            action: 'events:PutEvents',
            resource: name.startsWith('arn:')
              ? name
              : `arn:aws:events:${scope.region}:${scope.accountId}:event-bus/${name}`,
            context,
          };
        }),
      };
    }
    case 'states:startExecution':
      return typeof request.StateMachineArn === 'string'
        ? {
            errorName: 'StepFunctions.AWSStepFunctionsException',
            service: 'AWSStepFunctions',
            requests: [{ action: 'states:StartExecution', resource: request.StateMachineArn }],
          }
        : undefined;
    case 'dynamodb': {
      if (typeof request.TableName !== 'string') return undefined;
      const table = request.TableName.startsWith('arn:')
        ? request.TableName
        : `arn:aws:dynamodb:${scope.region}:${scope.accountId}:table/${request.TableName}`;
      const operation = integration.operation.charAt(0).toUpperCase() + integration.operation.slice(1);
      return {
        errorName: 'DynamoDB.AmazonDynamoDBException',
        service: 'AmazonDynamoDBv2',
        requests: [{ action: `dynamodb:${operation}`, resource: table }],
      };
    }
    case 'cloudwatch:putMetricData':
      // PutMetricData has no resource-level permissions: policies narrow it by namespace.
      return typeof request.Namespace === 'string'
        ? {
            errorName: 'CloudWatch.CloudWatchException',
            service: 'AmazonCloudWatch',
            requests: [
              {
                action: 'cloudwatch:PutMetricData',
                resource: '*',
                context: { 'cloudwatch:namespace': request.Namespace },
              },
            ],
          }
        : undefined;
    case 'wait':
    case 'unsupported':
      return undefined;
  }
}

const lambda = (resource: string): TaskAccess => ({
  errorName: 'Lambda.AWSLambdaException',
  service: 'AWSLambda',
  requests: [{ action: 'lambda:InvokeFunction', resource }],
});
