import * as path from 'node:path';
import { ArnFormat, type CfnResource, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { jsonAccessLogs } from './access-logs';
import { AgentFunction } from './agent-function';
import type { Governance } from './governance';
import type { RemediationSaga } from './remediation-saga';

export interface InteractionApiProps {
  /** The platform's bus (the function's environment names it; it publishes nothing). */
  readonly bus: events.IEventBus;
  readonly ruleDeadLetterQueue: sqs.IQueue;
  /** Episodic memory: incidents and their decision traces (Query on the incidents index for the listing, on the table for one incident). */
  readonly episodic: dynamodb.ITableV2;
  /** The monitoring agent's window counters: an incident's scope around it (Query on warehouse/region items). */
  readonly counters: dynamodb.ITableV2;
  /** The inference firewall's budget ledger: each agent's spend today (GetItem on its own items). */
  readonly budgets: dynamodb.ITableV2;
  /** The remediation saga: its pending approvals (executions and histories) and their answers (task tokens). */
  readonly saga: RemediationSaga;
  /** The governance configuration: each agent's autonomy level and daily ceiling. */
  readonly governance: Governance;
  /** The agents `GET /agents` lists, by service name. */
  readonly agentNames: readonly string[];
  /** The override-rate alarm's threshold, which `GET /override-rate` shows beside the rate. */
  readonly overrideRateThreshold: number;
  /** @default - the stack's name in kebab case, then `-operator` */
  readonly apiName?: string;
  /** Requests per second across all routes, and the burst above it. @default { rateLimit: 20, burstLimit: 40 } */
  readonly throttle?: apigwv2.ThrottleSettings;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/** The routes of the operator API: every one IAM-authorized, all served by one function. */
const OPERATOR_ROUTES: readonly { readonly method: apigwv2.HttpMethod; readonly path: string }[] = [
  { method: apigwv2.HttpMethod.GET, path: '/incidents' },
  { method: apigwv2.HttpMethod.GET, path: '/incidents/{id}/timeline' },
  { method: apigwv2.HttpMethod.GET, path: '/incidents/{id}/ratio' },
  { method: apigwv2.HttpMethod.GET, path: '/approvals' },
  { method: apigwv2.HttpMethod.POST, path: '/approvals/{id}' },
  { method: apigwv2.HttpMethod.GET, path: '/agents' },
  { method: apigwv2.HttpMethod.GET, path: '/override-rate' },
];

/**
 * The operator HTTP API (layer "interaction"): an API Gateway HTTP API whose every route is authorized by IAM
 * (callers sign with SigV4 and need `execute-api:Invoke` on the route), throttled, with JSON access logs, served by
 * one function (`lambdas/handlers/operator-api.ts`) that may read exactly what the routes show and answer the
 * saga's task tokens.
 */
export class InteractionApi extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly handler: AgentFunction;
  public readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: InteractionApiProps) {
    super(scope, id);
    const { saga, governance } = props;
    const stateMachine = saga.stateMachine;

    this.handler = new AgentFunction(this, 'Handler', {
      entry: path.join(__dirname, '..', 'lambdas', 'handlers', 'operator-api.ts'),
      serviceName: 'operator-api',
      description:
        'The operator HTTP API: incidents and their timelines, pending approvals and their answers, agents.',
      bus: props.bus,
      ruleDeadLetterQueue: props.ruleDeadLetterQueue,
      logLevel: props.logLevel,
      timeout: Duration.seconds(29),
      environment: {
        EPISODIC_TABLE_NAME: props.episodic.tableName,
        BUDGETS_TABLE_NAME: props.budgets.tableName,
        COUNTERS_TABLE_NAME: props.counters.tableName,
        SAGA_STATE_MACHINE_ARN: stateMachine.stateMachineArn,
        AGENT_NAMES: JSON.stringify(props.agentNames),
        OVERRIDE_RATE_THRESHOLD: String(props.overrideRateThreshold),
        ...governance.readerEnvironment(),
      },
    });
    const fn = this.handler.function;

    // Incidents: a timeline Queries one entity (the listing's Query on the incidents index is granted by Memory).
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:Query'],
      resourceArns: [props.episodic.tableArn],
    });
    // The ratio around an incident: Query on the counters of warehouses and regions only (not incidents, watches,
    // memberships).
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:Query'],
      resourceArns: [props.counters.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['warehouse#*', 'region#*'] } },
    });
    // Budget burn: GetItem on each listed agent's own ledger items only.
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:GetItem'],
      resourceArns: [props.budgets.tableArn],
      conditions: {
        'ForAllValues:StringEquals': {
          'dynamodb:LeadingKeys': props.agentNames.map((agent) => `budget#${agent}`),
        },
      },
    });
    // Approvals: the saga's running executions, their histories (newest first) and the answer to the token.
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['states:ListExecutions'],
      resourceArns: [stateMachine.stateMachineArn],
    });
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
      resourceArns: [executions],
    });
    saga.grantTaskResponse(fn);
    // The override rate: its own decision metrics read back from CloudWatch (GetMetricData has no resource).
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['cloudwatch:GetMetricData'], resourceArns: ['*'] });
    // Agents: autonomy levels and ceilings from the governance configuration.
    governance.grantReadConfiguration(fn);
    // cdk-nag names the resource as the template writes it: tokens as <AWS::Partition>, <LogicalId.Attribute>.
    const stack = Stack.of(this);
    const sagaLogicalId = stack.resolve((stateMachine.node.defaultChild as CfnResource).logicalId) as string;
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    Validations.of(this.handler.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:GetMetricData supports no resource-level permission or condition key: GET /override-rate reads the operator decisions this function records.',
    });
    Validations.of(this.handler.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:<AWS::AccountId>:execution:<${sagaLogicalId}.Name>:*]`,
      reason:
        "Execution ARNs are named at run time: DescribeExecution and GetExecutionHistory are granted on the saga's executions only (execution:<saga name>:*).",
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigwv2.HttpApi(this, 'Api', {
      ...(props.apiName === undefined ? {} : { apiName: props.apiName }),
      description: 'Operator API: incidents, timelines, approvals, agents. Every route is IAM-authorized.',
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 20, burstLimit: 40 },
      accessLogSettings: jsonAccessLogs(this.accessLogs, {
        responseLength: '$context.responseLength',
        latencyMs: '$context.responseLatency',
      }),
    });
    const integration = new HttpLambdaIntegration('Operator', fn);
    for (const route of OPERATOR_ROUTES) {
      this.api.addRoutes({ path: route.path, methods: [route.method], integration });
    }
  }

  /** The stage's URL (`https://<api id>.execute-api.<region>.amazonaws.com/`). */
  public get url(): string {
    return this.stage.url;
  }

  /**
   * Lets a browser app served from `origin` (e.g. `https://d123.cloudfront.net`) call the API: API Gateway answers
   * its CORS preflight requests (before authorization, as preflights carry no signature) and adds the CORS headers,
   * allowing the SigV4 headers the console signs with. Every request itself is still IAM-authorized.
   */
  public allowBrowserOrigin(origin: string): void {
    const api = this.api.node.defaultChild as apigwv2.CfnApi;
    api.corsConfiguration = {
      allowOrigins: [origin],
      allowMethods: [...new Set(OPERATOR_ROUTES.map((route) => route.method))].sort(),
      allowHeaders: [
        'authorization',
        'content-type',
        'x-amz-content-sha256',
        'x-amz-date',
        'x-amz-security-token',
      ],
      exposeHeaders: ['content-type'],
      maxAge: 3600,
    };
  }

  /**
   * Lets `grantee` call every route, and nothing else: `execute-api:Invoke` on each route's ARN
   * (`<api>/$default/<METHOD>/<path>`), a path parameter matching any one value (`*`).
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const routeArns = OPERATOR_ROUTES.map((route) =>
      stack.formatArn({
        service: 'execute-api',
        resource: this.api.apiId,
        resourceName: `$default/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`,
      }),
    );
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: routeArns,
    });
    if (grantee.grantPrincipal instanceof iam.Role) {
      const apiId = stack.resolve((this.api.node.defaultChild as CfnResource).logicalId) as string;
      const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
      for (const route of OPERATOR_ROUTES.filter((r) => r.path.includes('{'))) {
        const path = route.path.replace(/\{[^}]+\}/g, '*');
        Validations.of(grantee.grantPrincipal).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${region}:<AWS::AccountId>:<${apiId}>/$default/${route.method}${path}]`,
          reason: `The route ${route.method} ${route.path}: its path parameter is part of the ARN, so it is granted for any one value.`,
        });
      }
    }
    return grant;
  }
}
