import * as path from 'node:path';
import { ArnFormat, type CfnResource, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { jsonAccessLogs } from './access-logs';
import { AgentFunction } from './agent-function';

export interface LiveEventsApiProps {
  /** The bus whose platform events are pushed to the consoles. */
  readonly bus: events.IEventBus;
  /** Where the push rule's undeliverable events go. */
  readonly ruleDeadLetterQueue: sqs.IQueue;
  /** The sources of the events pushed: the platform's own producers, not the order stream. */
  readonly sources: readonly string[];
  /** @default - CloudFormation names it */
  readonly apiName?: string;
  /** The stage the consoles connect to (`wss://<api id>.execute-api.<region>.amazonaws.com/<stage>`). @default 'live' */
  readonly stageName?: string;
  /** Connection attempts per second across the API, and the burst above it. @default { rateLimit: 10, burstLimit: 20 } */
  readonly throttle?: apigwv2.ThrottleSettings;
  /** Posts in flight at once while the push function sends one event to every console. @default 16 */
  readonly pushConcurrency?: number;
  /**
   * Whether to set the account's API Gateway CloudWatch role (`AWS::ApiGateway::Account`, one per account and
   * region): API Gateway writes a WebSocket stage's access logs with it, and refuses a stage with access logs while
   * the account has none ("CloudWatch Logs role ARN must be set in account settings"). Set `false` where the account
   * already has one (a landing zone, or another stack that sets it): a second would replace it.
   * @default true
   */
  readonly accountLogRole?: boolean;
  /**
   * The connections table holds only live connection ids, which mean nothing once the API is gone.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

const handlers = path.join(__dirname, '..', 'lambdas', 'handlers');

/**
 * The operator console's push channel on AWS (layer "interaction"): an API Gateway WebSocket API whose `$connect`
 * is IAM-authorized (the console connects with a SigV4-presigned URL, signed with the operator role's credentials,
 * and only principals granted `execute-api:Invoke` on `$connect` get in — see {@link grantConnect}); a connections
 * table (encrypted, point-in-time recovery, TTL on each connection); a function that records and forgets
 * connections on `$connect`/`$disconnect`; and a push function, on a rule for the platform's own events, that posts
 * each event's compact message (the one the sandbox's server-sent events carry) to every connection, forgetting
 * connections that are gone. Its failures are retried, then kept in its dead-letter queue; events the rule cannot
 * deliver go to the bus's.
 */
export class LiveEventsApi extends Construct {
  public readonly api: apigwv2.WebSocketApi;
  public readonly stage: apigwv2.WebSocketStage;
  /** One item per connected console (`pk` = connection id), expiring through `expiresAt` (epoch seconds). */
  public readonly connections: dynamodb.TableV2;
  /** Records connections on `$connect`, forgets them on `$disconnect`. */
  public readonly connectionHandler: AgentFunction;
  /** Posts each platform event to every connected console. */
  public readonly push: AgentFunction;
  public readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LiveEventsApiProps) {
    super(scope, id);
    if (props.sources.length === 0) throw new Error('sources must name at least one event source, got []');
    const stack = Stack.of(this);
    const stageName = props.stageName ?? 'live';
    const common = {
      bus: props.bus,
      ruleDeadLetterQueue: props.ruleDeadLetterQueue,
      logLevel: props.logLevel,
    };

    this.connections = new dynamodb.TableV2(this, 'Connections', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });

    this.connectionHandler = new AgentFunction(this, 'ConnectionHandler', {
      ...common,
      entry: path.join(handlers, 'live-connections.ts'),
      serviceName: 'live-connections',
      description:
        "Records the operator consoles' WebSocket connections on $connect, forgets them on $disconnect.",
      // A WebSocket route's integration times out after 29 s at most (not adjustable): a $connect still running past
      // it would record a connection API Gateway has already refused. One DynamoDB write needs far less.
      timeout: Duration.seconds(10),
      environment: { CONNECTIONS_TABLE_NAME: this.connections.tableName },
    });
    iam.Grant.addToPrincipal({
      grantee: this.connectionHandler.function,
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resourceArns: [this.connections.tableArn],
    });

    const integration = new WebSocketLambdaIntegration('Connections', this.connectionHandler.function);
    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      ...(props.apiName === undefined ? {} : { apiName: props.apiName }),
      description:
        "Operator console live events: $connect is IAM-authorized; the platform's events are pushed.",
      connectRouteOptions: { integration, authorizer: new WebSocketIamAuthorizer() },
      disconnectRouteOptions: { integration },
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName,
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 10, burstLimit: 20 },
      accessLogSettings: jsonAccessLogs(this.accessLogs, {
        eventType: '$context.eventType',
        connectionId: '$context.connectionId',
        authorizeError: '$context.authorize.error',
      }),
    });
    if (props.accountLogRole ?? true) this.setAccountLogRole();

    this.push = new AgentFunction(this, 'Push', {
      ...common,
      entry: path.join(handlers, 'live-push.ts'),
      serviceName: 'live-push',
      description:
        "Pushes each platform event's compact message to every operator console connected by WebSocket.",
      eventPattern: { source: [...props.sources] },
      // The consoles show what happens now: an archive replay is not pushed to them.
      replays: 'ignore',
      environment: {
        CONNECTIONS_TABLE_NAME: this.connections.tableName,
        WEBSOCKET_CALLBACK_URL: this.stage.callbackUrl,
        PUSH_CONCURRENCY: String(props.pushConcurrency ?? 16),
      },
    });
    // Paged Scans of the connection ids, and deletes of connections that answer 410 Gone.
    iam.Grant.addToPrincipal({
      grantee: this.push.function,
      actions: ['dynamodb:Scan', 'dynamodb:DeleteItem'],
      resourceArns: [this.connections.tableArn],
    });
    // PostToConnection on this stage's connections only (not DeleteConnection or GetConnection, which it never calls).
    const connectionsArn = stack.formatArn({
      service: 'execute-api',
      resource: this.api.apiId,
      resourceName: `${stageName}/POST/@connections/*`,
    });
    iam.Grant.addToPrincipal({
      grantee: this.push.function,
      actions: ['execute-api:ManageConnections'],
      resourceArns: [connectionsArn],
    });
    Validations.of(this.push.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${this.regionInFindings()}:<AWS::AccountId>:<${this.apiLogicalId()}>/${stageName}/POST/@connections/*]`,
      reason:
        'Connection ids are assigned by API Gateway at run time: PostToConnection is granted on this stage’s connections only.',
    });

    const disconnect = this.api.node.tryFindChild('$disconnect-Route');
    Validations.of(disconnect ?? this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'API Gateway authorizes a WebSocket connection on $connect only (IAM here); $disconnect carries no credentials and only forgets the connection id.',
    });
  }

  /** The URL consoles connect to: `wss://<api id>.execute-api.<region>.amazonaws.com/<stage>`. */
  public get url(): string {
    return this.stage.url;
  }

  /**
   * Lets `grantee` open a connection, and nothing else: `execute-api:Invoke` on the `$connect` route of this stage.
   * Messages a console might send have no route, and posting to connections is the push function's alone.
   */
  public grantConnect(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [
        Stack.of(this).formatArn({
          service: 'execute-api',
          resource: this.api.apiId,
          resourceName: `${this.stage.stageName}/$connect`,
        }),
      ],
    });
  }

  /**
   * The account's API Gateway CloudWatch role: API Gateway writes the stage's access logs with it (for every API
   * of the account and region: its resources are every log group of this account and region).
   */
  private setAccountLogRole(): void {
    const role = new iam.Role(this, 'ApiGatewayLogsRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: "API Gateway's CloudWatch Logs role for this account and region (WebSocket access logs).",
    });
    // The actions of AmazonAPIGatewayPushToCloudWatchLogs, on this account's and region's log groups only.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:DescribeLogGroups',
          'logs:DescribeLogStreams',
          'logs:PutLogEvents',
          'logs:GetLogEvents',
          'logs:FilterLogEvents',
        ],
        resources: [
          Stack.of(this).formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:${this.regionInFindings()}:<AWS::AccountId>:log-group:*]`,
      reason:
        "API Gateway's CloudWatch role is one per account and region, shared by every API's logs: it writes to log groups of this account and region only.",
    });
    const account = new apigw.CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn });
    // Both outlive the stack, as RestApi's own role does: the setting is the account's, deleting a stack does not
    // reset it, and a second stack of the app (staging) takes it over — deleting that one must not delete the role
    // the account still names, which would stop every REST and WebSocket API's logs in the account and Region
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-account.html).
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    account.applyRemovalPolicy(RemovalPolicy.RETAIN);
    // API Gateway checks the role's permissions when the account is set, and the stage's logging needs the account.
    account.node.addDependency(role);
    this.stage.node.addDependency(account);
  }

  /** The region as cdk-nag names it in a finding: a token is `<AWS::Region>`. */
  private regionInFindings(): string {
    const region = Stack.of(this).region;
    return Token.isUnresolved(region) ? '<AWS::Region>' : region;
  }

  private apiLogicalId(): string {
    return Stack.of(this).resolve((this.api.node.defaultChild as CfnResource).logicalId) as string;
  }
}
