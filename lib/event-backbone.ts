import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  contracts,
  eventJsonSchema,
  producedBy,
  type DetailType,
} from '../lambdas/domain/contracts/registry';
import { asEventBusInterface } from './cdk-interfaces';

export interface EventBackboneProps {
  /** Name of the bus; the schema registry is `<busName>-contracts`. @default 'proactive-agents' */
  readonly busName?: string;
  /** How long the archive keeps every event, for replays. @default Duration.days(30) */
  readonly archiveRetention?: Duration | undefined;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Lets `grantee` put events on `bus` as `source` only, and only the detail-types the contracts give that
 * source (`events:source` and `events:detail-type` conditions): no agent can emit another's events, a
 * `reroute_orders` command included.
 */
export function grantPutEventsAs(
  grantee: iam.IGrantable,
  bus: events.IEventBus,
  source: string,
  /** Only these of the source's detail-types. @default - every detail-type the source's contracts name */
  only?: readonly string[],
): iam.Grant {
  const produced = Object.values(contracts)
    .filter((contract) => producedBy(contract, source))
    .map((contract) => contract.detailType as string);
  if (produced.length === 0) throw new Error(`no contract has source "${source}"`);
  const foreign = (only ?? []).filter((detailType) => !produced.includes(detailType));
  if (foreign.length > 0) {
    throw new Error(`no contract of source "${source}" has detail-type ${foreign.join(', ')}`);
  }
  const detailTypes = [...(only ?? produced)].sort();
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['events:PutEvents'],
    resourceArns: [bus.eventBusArn],
    conditions: { StringEquals: { 'events:source': source, 'events:detail-type': detailTypes } },
  });
}

/**
 * Makes `rule` skip events that an archive replay puts back on the bus (EventBridge adds `replay-name` to
 * them): a replay rebuilds state, it must not re-run commands and sagas that already had their effects.
 */
export function ignoreReplays(rule: events.Rule): void {
  (rule.node.defaultChild as events.CfnRule).addPropertyOverride('EventPattern.replay-name', [
    { exists: false },
  ]);
}

/** The EventBridge bus every service and agent talks through, with its archive, DLQ and schema registry. */
export class EventBackbone extends Construct {
  public readonly bus: events.IEventBus;
  public readonly archive: events.Archive;
  /** Events that a rule could not deliver to its target after retries. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly schemaRegistry: eventschemas.CfnRegistry;
  public readonly schemas: Record<DetailType, eventschemas.CfnSchema>;

  constructor(scope: Construct, id: string, props: EventBackboneProps = {}) {
    super(scope, id);
    const retention = props.archiveRetention ?? Duration.days(30);
    if (retention.toHours() < 24 || retention.toHours() % 24 !== 0) {
      throw new Error(
        `archiveRetention must be a whole number of days, at least one, got ${retention.toHumanString()}`,
      );
    }

    this.bus = asEventBusInterface(
      new events.EventBus(this, 'Bus', { eventBusName: props.busName ?? 'proactive-agents' }),
    );
    this.archive = this.bus.archive('Archive', {
      description: 'Every event on the bus, for replay and audit.',
      // An archive needs a pattern; every event on this bus carries this account.
      eventPattern: { account: [Stack.of(this).account] },
      retention,
    });
    // The CDK writes `"KmsKeyIdentifier": ""` when no key is given, which CloudFormation rejects outside
    // us-east-1; without the property the archive is encrypted with an AWS owned key.
    (this.archive.node.defaultChild as events.CfnArchive).addPropertyDeletionOverride('KmsKeyIdentifier');

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue itself: rule targets send undeliverable events here.',
    });

    this.schemaRegistry = new eventschemas.CfnRegistry(this, 'SchemaRegistry', {
      registryName: `${props.busName ?? 'proactive-agents'}-contracts`,
      description: 'JSON Schemas of the platform event contracts, generated from the zod schemas.',
    });
    const schemas: Partial<Record<DetailType, eventschemas.CfnSchema>> = {};
    for (const detailType of Object.keys(contracts) as DetailType[]) {
      const contract = contracts[detailType];
      const schema = new eventschemas.CfnSchema(this, `Schema-${detailType}`, {
        registryName: this.schemaRegistry.attrRegistryName,
        schemaName: `${contract.source}@${detailType}`,
        type: 'JSONSchemaDraft4',
        description: `${contract.description} (v${contract.version})`,
        content: JSON.stringify(eventJsonSchema(detailType)),
      });
      schemas[detailType] = schema;
    }
    this.schemas = schemas as Record<DetailType, eventschemas.CfnSchema>;
  }
}
