import { Aws, DefaultStackSynthesizer, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import { Construct } from 'constructs';
import { semanticIndexBody } from '../lambdas/adapters/semantic-index-mapping';
import { asTableInterface } from './cdk-interfaces';

/**
 * An OpenSearch create-index body in the CfnIndex's property names: `space_type` → `spaceType`,
 * `ef_construction` → `efConstruction`; field names (the keys under `properties`) stay as they are.
 */
function cfnPropsOf(value: unknown, keysAreFields = false): unknown {
  if (Array.isArray(value)) return value.map((item) => cfnPropsOf(item));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      keysAreFields ? key : key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()),
      cfnPropsOf(item, !keysAreFields && key === 'properties'),
    ]),
  );
}

export interface MemoryProps {
  /**
   * Start of the vector collection's name and its policies' (1–19 lowercase letters, digits, hyphens, starting
   * with a letter). The name ends with the first group of the stack's id, so that a deploy after
   * `cdk destroy` (which keeps the collection) or a second stack in the account never collides.
   * @default 'proactive-memory'
   */
  readonly namePrefix?: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Dimensions of the embeddings the semantic index holds (Titan Text Embeddings v2: 256, 512, 1024). @default 1024 */
  readonly embeddingDimensions?: number | undefined;
  /**
   * Principals that create and update the semantic index: CloudFormation deploys it. @default the CDK
   * bootstrap's CloudFormation execution role (DefaultStackSynthesizer)
   */
  readonly indexManagerArns?: readonly string[];
}

/** The semantic index's name in the collection. */
const SEMANTIC_INDEX_NAME = 'semantic-memory';

/** What an agent may do with the semantic index's documents: search them, or index them. */
export type SemanticDocumentPermission = 'aoss:ReadDocument' | 'aoss:WriteDocument';

/**
 * `actions` on `table`'s items in partition `partitionKey` only (`dynamodb:LeadingKeys`), which may name a
 * principal tag (`intake#${aws:PrincipalTag/warehouse}`) so that a task session reaches its own items alone.
 */
function grantOnPartition(
  grantee: iam.IGrantable,
  table: dynamodb.ITableV2,
  actions: string[],
  partitionKey: string,
): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions,
    resourceArns: [table.tableArn],
    conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [partitionKey] } },
  });
}
/**
 * The agents' memory: DynamoDB tables (episodic, procedural, counters, idempotency, orders, the fulfillment
 * network, operations records) and the vector collection.
 */
export class Memory extends Construct {
  /**
   * Events, decisions and outcomes per entity and time (pk entity, sk time). Every item expires through
   * `expiresAt` (epoch seconds): 400 days after the record's time.
   */
  public readonly episodic: dynamodb.ITableV2;
  /**
   * Parameterised remediation templates with success and failure counts. No TTL: templates are what the
   * platform has learned, kept until deleted; their outcome counts, not their age, decide whether one is reused.
   */
  public readonly procedural: dynamodb.ITableV2;
  /**
   * Event-time window counters and incident state of the monitoring agent. Every item expires through
   * `expiresAt` (epoch seconds), 35 days after its window's start (counters), its last anomalous window (open
   * incidents and watches) or its write (cell memberships, spike publication claims).
   */
  public readonly counters: dynamodb.ITableV2;
  /**
   * Powertools idempotency records (key `id`). Powertools writes the expiry in `expiration` (epoch seconds,
   * `expiresAfterSeconds` after the call), which is therefore the table's TTL attribute.
   */
  public readonly idempotency: dynamodb.ITableV2;
  /**
   * The fulfillment agent's view of open orders, indexed by warehouse and placement time. Items expire through
   * `expiresAt` (epoch seconds).
   */
  public readonly orders: dynamodb.ITableV2;
  /**
   * The fulfillment network as data: warehouse profiles (`warehouse#<id>`/`profile`) and routes
   * (`region#<region>`/`warehouse#<id>`), with the sparse index `routesByWarehouse` over routes, and each
   * warehouse's intake (`intake#<id>`). TTL (`expiresAt`) on the intake's tombstones alone: a warehouse's
   * declaration (`warehouse_updated`, `capacity_changed`) holds until a newer one replaces it, and a warehouse or
   * route first seen in orders until a declaration does (its orders may still be open), so neither carries it.
   */
  public readonly network: dynamodb.ITableV2;
  /**
   * What the operations agent records, per incident (`pk = incident#<incident tag>`): incident tickets
   * (`sk = ticket#<id>`, with a status) and customer notifications (`sk = notification#<id>`). No TTL: tickets
   * and notifications sent are the operators' record.
   */
  public readonly operations: dynamodb.ITableV2;
  /**
   * The inference firewall's budget ledger: model spend per agent and UTC day (`pk = budget#<agent>`,
   * `sk = <day>`), reserved by conditional updates so concurrent calls never pass a ceiling; TTL `expiresAt`.
   */
  public readonly budgets: dynamodb.ITableV2;
  public readonly collection: aoss.CfnCollection;
  /**
   * The k-NN index of semantic memory, declared here so it exists before any agent runs: agents read and write
   * documents, none may create or change indexes.
   */
  public readonly semanticIndex: aoss.CfnIndex;
  private readonly collectionName: string;

  constructor(scope: Construct, id: string, props: MemoryProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    // Keyed by pk and sk unless told otherwise; `sortKey: 'none'` for a table keyed by its partition key alone.
    const table = (
      name: string,
      {
        sortKey = { name: 'sk', type: dynamodb.AttributeType.STRING },
        ...extra
      }: Omit<Partial<dynamodb.TablePropsV2>, 'sortKey'> & { sortKey?: dynamodb.Attribute | 'none' } = {},
    ) =>
      asTableInterface(
        new dynamodb.TableV2(this, name, {
          partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
          ...(sortKey === 'none' ? {} : { sortKey }),
          billing: dynamodb.Billing.onDemand(),
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
          removalPolicy,
          ...extra,
        }),
      );

    this.episodic = table('Episodic', {
      timeToLiveAttribute: 'expiresAt',
      // Sparse: only the records that list incidents (plans, escalations, outcomes) carry `listing`, one constant
      // partition (a few writes per incident), newest first by `listedAt` (`<time>#<correlationId>`). GET /incidents
      // Queries it instead of Scanning the table.
      globalSecondaryIndexes: [
        {
          indexName: 'incidents',
          partitionKey: { name: 'listing', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'listedAt', type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.INCLUDE,
          nonKeyAttributes: ['kind', 'correlationId', 'detail'],
        },
      ],
    });
    this.procedural = table('Procedural');
    this.counters = table('Counters', { timeToLiveAttribute: 'expiresAt' });
    this.idempotency = table('Idempotency', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      sortKey: 'none',
      timeToLiveAttribute: 'expiration',
    });
    this.orders = table('Orders', {
      partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
      sortKey: 'none',
      timeToLiveAttribute: 'expiresAt',
      globalSecondaryIndexes: [
        {
          indexName: 'byWarehouse',
          partitionKey: { name: 'warehouseId', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'placedAt', type: dynamodb.AttributeType.STRING },
        },
      ],
    });

    this.network = table('Network', {
      // Only the intake's tombstones expire (DynamoIntakeStore); profiles and routes carry no `expiresAt`.
      timeToLiveAttribute: 'expiresAt',
      globalSecondaryIndexes: [
        {
          indexName: 'routesByWarehouse',
          partitionKey: { name: 'warehouseId', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'routeRegion', type: dynamodb.AttributeType.STRING },
        },
      ],
    });

    this.operations = table('Operations');
    this.budgets = table('Budgets', { timeToLiveAttribute: 'expiresAt' });

    const prefix = props.namePrefix ?? 'proactive-memory';
    if (!/^[a-z][a-z0-9-]{0,18}$/.test(prefix)) {
      throw new Error(
        `namePrefix must be 1-19 lowercase letters, digits or hyphens starting with a letter, got "${prefix}"`,
      );
    }
    // `<prefix>-<8 hex digits of the stack id>`: at most 28 characters, so `-enc`/`-net` policy names fit in 32.
    const deployment = Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
    this.collectionName = `${prefix}-${deployment}`;
    const encryption = new aoss.CfnSecurityPolicy(this, 'CollectionEncryption', {
      name: `${this.collectionName}-enc`,
      type: 'encryption',
      description: 'Encrypt the semantic memory at rest with an AWS owned key.',
      policy: Stack.of(this).toJsonString({
        Rules: [{ ResourceType: 'collection', Resource: [`collection/${this.collectionName}`] }],
        AWSOwnedKey: true,
      }),
    });
    const network = new aoss.CfnSecurityPolicy(this, 'CollectionNetwork', {
      name: `${this.collectionName}-net`,
      type: 'network',
      description:
        'Collection endpoint reachable over TLS; every request is SigV4-signed and checked by the data access policy.',
      policy: Stack.of(this).toJsonString([
        {
          Rules: [{ ResourceType: 'collection', Resource: [`collection/${this.collectionName}`] }],
          AllowFromPublic: true,
        },
      ]),
    });
    this.collection = new aoss.CfnCollection(this, 'Collection', {
      name: this.collectionName,
      type: 'VECTORSEARCH',
      description: 'Semantic memory: embeddings of incidents, fulfillment history and policies.',
      standbyReplicas: 'ENABLED',
    });
    this.collection.addResourceDependency(encryption);
    this.collection.addResourceDependency(network);
    this.collection.applyRemovalPolicy(removalPolicy);

    const dimensions = props.embeddingDimensions ?? 1024;
    if (![256, 512, 1024].includes(dimensions)) {
      throw new Error(`embeddingDimensions must be 256, 512 or 1024, got ${dimensions}`);
    }
    const synthesizer = Stack.of(this).synthesizer;
    const managers =
      props.indexManagerArns ??
      (synthesizer instanceof DefaultStackSynthesizer
        ? // `${AWS::AccountId}` and the like, still to substitute in an env-agnostic stack.
          [Fn.sub(synthesizer.cloudFormationExecutionRoleArn)]
        : []);
    if (managers.length === 0) {
      throw new Error(
        'indexManagerArns must name the role that deploys the stack (no DefaultStackSynthesizer)',
      );
    }
    const indexManagement = new aoss.CfnAccessPolicy(this, 'IndexManagement', {
      name: `${this.collectionName}-idx`,
      type: 'data',
      description: 'CloudFormation creates and updates the semantic index.',
      policy: Stack.of(this).toJsonString([
        {
          Rules: [
            {
              ResourceType: 'index',
              Resource: [`index/${this.collectionName}/${SEMANTIC_INDEX_NAME}`],
              Permission: ['aoss:CreateIndex', 'aoss:DescribeIndex', 'aoss:UpdateIndex', 'aoss:DeleteIndex'],
            },
          ],
          Principal: managers,
        },
      ]),
    });
    this.semanticIndex = new aoss.CfnIndex(this, 'SemanticIndex', {
      collectionEndpoint: this.collection.attrCollectionEndpoint,
      indexName: SEMANTIC_INDEX_NAME,
      // The adapter's own definition (text and knn_vector fields: what CloudFormation can declare), in the L1's
      // property names.
      ...(cfnPropsOf(semanticIndexBody(dimensions)) as Pick<aoss.CfnIndexProps, 'settings' | 'mappings'>),
    });
    this.semanticIndex.addResourceDependency(indexManagement);
    this.semanticIndex.addResourceDependency(this.collection);
  }

  /**
   * Lets `grantee` keep the monitoring agent's windows, incidents and publication claims: item reads (GetItem,
   * BatchGetItem), history queries (Query) and item writes (PutItem, UpdateItem — TransactWriteItems' Update
   * items included — and DeleteItem) on the counters table, no index, scan or batch write.
   */
  public grantWindows(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ],
      resourceArns: [this.counters.tableArn],
    });
  }

  /** Lets `grantee` record order facts in the order book: one UpdateItem per order (alone or in a transaction). */
  public grantOrderFacts(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:UpdateItem'],
      resourceArns: [this.orders.tableArn],
    });
  }

  /**
   * Lets `grantee` read what tasks put at stake: queries of the orders' `byWarehouse` index (open orders of a
   * warehouse since a time, their regions and totals), nothing on the table itself.
   */
  /**
   * Lets the operator API list incidents: Query on episodic memory's sparse `incidents` index only (the records
   * that list incidents, newest first), never a Scan of the table.
   */
  public grantIncidentListing(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.episodic.tableArn}/index/incidents`],
    });
  }

  public grantOpenOrderQueries(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.orders.tableArn}/index/byWarehouse`],
    });
  }

  /**
   * Lets a task session (`grantee`: a `TaskExecutionRole`) reroute and restore orders. Its own reroute's journal
   * and parts only — `reroute#${aws:PrincipalTag/journal}` and `…#part#<n>` — read (GetItem, consistent
   * BatchGetItem), written (PutItem, UpdateItem) and checked in transactions (ConditionCheckItem); orders and
   * capacity ledgers (any partition but `reroute#*`) read (BatchGetItem) and moved (UpdateItem, alone or in
   * TransactWriteItems under the journal's ConditionCheck); queries of the `byWarehouse` index. Nothing is
   * deleted: journals and ledgers expire through `expiresAt`.
   *
   * Orders are keyed by order id and ledgers by destination warehouse, which min-cost flow picks at run time:
   * IAM has no condition on an item's attribute values (such as its `warehouseId`), so no session tag can scope
   * which orders or ledgers a reroute moves; the conditional writes bind them to the journal instead.
   */
  public grantOrderReroutes(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:ConditionCheckItem',
      ],
      resourceArns: [this.orders.tableArn],
      conditions: {
        'ForAllValues:StringLike': {
          'dynamodb:LeadingKeys': [
            'reroute#${aws:PrincipalTag/journal}',
            'reroute#${aws:PrincipalTag/journal}#part#*',
          ],
        },
      },
    })
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
          resourceArns: [this.orders.tableArn],
          conditions: { 'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': ['reroute#*'] } },
        }),
      )
      .combine(this.grantOpenOrderQueries(grantee));
  }

  /**
   * Lets `grantee` make commands idempotent with Powertools' DynamoDBPersistenceLayer: the four item calls it
   * makes (GetItem, PutItem, UpdateItem, DeleteItem) on the idempotency table.
   */
  public grantIdempotency(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resourceArns: [this.idempotency.tableArn],
    });
  }

  /** Lets `grantee` read the network for a reroute: routes by region (Query) and profiles (BatchGetItem). */
  public grantNetworkRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query', 'dynamodb:BatchGetItem'],
      resourceArns: [this.network.tableArn],
    });
  }

  /**
   * Lets `grantee` reserve and settle model spend on its own budget only: UpdateItem (reserve, settle) and
   * GetItem (the spend that refused a call) on the ledger items whose partition key is `budget#<agent>`.
   */
  public grantBudget(grantee: iam.IGrantable, agent: string): iam.Grant {
    return grantOnPartition(
      grantee,
      this.budgets,
      ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
      `budget#${agent}`,
    );
  }

  /**
   * Lets a task session (`grantee`: a `TaskExecutionRole`) pause and resume its own warehouse's intake, in the
   * network table's partition `intake#${aws:PrincipalTag/warehouse}` only (`dynamodb:LeadingKeys`): UpdateItem and
   * ConditionCheckItem (a pause checks its tombstone and adds itself in one transaction; a resume removes it and
   * writes the tombstone in another) and GetItem (the pauses left holding the intake). Other warehouses' intake,
   * profiles and routes stay out of reach, and so does everything for a session without a `warehouse` tag.
   * Reroutes read intake items with the profiles (`grantNetworkRead`).
   */
  public grantIntakeControl(grantee: iam.IGrantable): iam.Grant {
    return grantOnPartition(
      grantee,
      this.network,
      ['dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem'],
      'intake#${aws:PrincipalTag/warehouse}',
    );
  }

  /**
   * Lets a task session (`grantee`: a `TaskExecutionRole`) keep its own incident's tickets and customer
   * notifications: conditional UpdateItem (each open, close and notification is one) on the operations table's
   * partition `incident#${aws:PrincipalTag/incident}` only.
   */
  public grantOperationsRecords(grantee: iam.IGrantable): iam.Grant {
    return grantOnPartition(
      grantee,
      this.operations,
      ['dynamodb:UpdateItem'],
      'incident#${aws:PrincipalTag/incident}',
    );
  }

  /** Lets `grantee` record warehouses first seen in orders: conditional writes of profiles and routes only. */
  public grantNetworkObserve(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:UpdateItem', 'dynamodb:PutItem'],
      resourceArns: [this.network.tableArn],
    });
  }

  /**
   * Lets `grantee` keep the network current from events: item writes and deletes on the table, and queries of
   * the `routesByWarehouse` index only (a warehouse's routes, when its description replaces them).
   */
  public grantNetworkMaintain(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resourceArns: [this.network.tableArn],
    }).combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:Query'],
        resourceArns: [`${this.network.tableArn}/index/routesByWarehouse`],
      }),
    );
  }

  /**
   * Lets `role` make the document calls its use case makes on the semantic index, and nothing else: a data
   * access policy naming only this role, with `aoss:ReadDocument` (k-NN search) and/or `aoss:WriteDocument`
   * (indexing) on the semantic index alone, and `aoss:APIAccessAll` on this collection in IAM (the one IAM action
   * of the data plane). No index or collection permission: the index is the template's.
   */
  public grantSemanticDocuments(
    id: string,
    role: iam.IRole,
    permissions: readonly SemanticDocumentPermission[],
  ): aoss.CfnAccessPolicy {
    if (permissions.length === 0) throw new Error(`grantSemanticDocuments(${id}): no permission given`);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['aoss:APIAccessAll'], resources: [this.collection.attrArn] }),
    );
    return new aoss.CfnAccessPolicy(this, `DataAccess${id}`, {
      // Within 32 characters: the collection's name (≤ 28) and three letters of the grantee's id.
      name: `${this.collectionName}-${id.slice(0, 3).toLowerCase()}`,
      type: 'data',
      description: `${[...permissions].sort().join(' and ')} on the semantic index for ${id}.`,
      policy: Stack.of(this).toJsonString([
        {
          Rules: [
            {
              ResourceType: 'index',
              Resource: [`index/${this.collectionName}/${SEMANTIC_INDEX_NAME}`],
              Permission: [...permissions].sort(),
            },
          ],
          Principal: [role.roleArn],
        },
      ]),
    });
  }
}
