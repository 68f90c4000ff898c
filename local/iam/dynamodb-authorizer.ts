import type { Refusal, SessionRequest } from '../dynamodb/dynalite-thread';
import type { ResolvedTemplate } from '../template';
import type { LocalSts, TaskSession } from './local-sts';
import type { PolicyEvaluator } from './policy-evaluator';
import type { PolicyDocument } from './template-iam';

/** A table's partition key attribute, and each global secondary index's. */
export interface TableKeys {
  readonly partitionKey: string;
  readonly indexes: ReadonlyMap<string, string>;
}

/** The partition keys of the template's tables and their indexes, by table name. */
export function tableKeysOf(template: ResolvedTemplate): Map<string, TableKeys> {
  type KeySchema = { AttributeName: string; KeyType: string }[];
  const hashOf = (schema: unknown) =>
    (schema as KeySchema).find((k) => k.KeyType === 'HASH')?.AttributeName ?? '';
  const tables = new Map<string, TableKeys>();
  for (const [logicalId, resource] of [
    ...template.resourcesOfType('AWS::DynamoDB::GlobalTable'),
    ...template.resourcesOfType('AWS::DynamoDB::Table'),
  ]) {
    const p = resource.Properties ?? {};
    const indexes = (p.GlobalSecondaryIndexes ?? []) as { IndexName: string; KeySchema: unknown }[];
    tables.set(template.physicalName(logicalId), {
      partitionKey: hashOf(p.KeySchema),
      indexes: new Map(indexes.map((index) => [index.IndexName, hashOf(index.KeySchema)])),
    });
  }
  return tables;
}

/** One authorization DynamoDB makes for a request: an action on a table or index, with the partition keys. */
interface Access {
  readonly action: string;
  readonly table: string;
  readonly index?: string | undefined;
  /** `dynamodb:LeadingKeys`; undefined when the request names none (Scan, a Query the sandbox cannot read). */
  readonly leadingKeys?: readonly string[] | undefined;
}

type AttributeValue = { S?: string; N?: string; B?: string };
type Body = Record<string, unknown>;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** An attribute value as IAM sees it in `dynamodb:LeadingKeys`: S, N or B as text. */
function keyText(value: unknown): string {
  const v = (value ?? {}) as AttributeValue;
  return v.S ?? v.N ?? v.B ?? '';
}

const TRANSACT_ACTIONS = new Map([
  ['Put', 'PutItem'],
  ['Update', 'UpdateItem'],
  ['Delete', 'DeleteItem'],
  ['ConditionCheck', 'ConditionCheckItem'],
  ['Get', 'GetItem'],
]);

/** The partition key value a Query's key condition fixes (`#pk = :v`, either way round, or `KeyConditions`). */
function queryPartitionValue(body: Body, partitionKey: string): string | undefined {
  const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (body.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const expression = typeof body.KeyConditionExpression === 'string' ? body.KeyConditionExpression : '';
  for (const clause of expression.split(/\s+AND\s+/i)) {
    const [, left, right] = /^\(?\s*([#:]?[\w.]+)\s*=\s*([#:]?[\w.]+)\s*\)?$/.exec(clause.trim()) ?? [];
    if (left === undefined || right === undefined) continue;
    const [name, value] = left.startsWith(':') ? [right, left] : [left, right];
    if ((names[name] ?? name) === partitionKey && value in values) return keyText(values[value]);
  }
  const legacy = (body.KeyConditions ?? {}) as Record<string, { AttributeValueList?: unknown[] }>;
  const condition = legacy[partitionKey]?.AttributeValueList?.[0];
  return condition === undefined ? undefined : keyText(condition);
}

/**
 * Authorizes DynamoDB requests made with task sessions' credentials, as DynamoDB does: each action of the
 * request (the items of a transaction one by one, a batch per table with all its partition keys) evaluated
 * against the session role's policies with the session's tags (`aws:PrincipalTag/<key>`) and
 * `dynamodb:LeadingKeys`. A session STS never issued is unrecognized; an expired one is refused.
 *
 * Decisions are kept per session, action, resource and the way the partition keys match the policies' key
 * patterns (a 20,000-order reroute evaluates its order updates once, not 20,000 times).
 */
export class DynamoDbAuthorizer {
  private readonly decisions = new Map<string, Promise<string | undefined>>();
  private readonly patterns = new Map<string, string[]>();

  constructor(
    private readonly sts: LocalSts,
    private readonly evaluator: PolicyEvaluator,
    private readonly tables: ReadonlyMap<string, TableKeys>,
    private readonly env: { readonly region: string; readonly accountId: string },
    private readonly now: () => number = Date.now,
  ) {}

  /** Undefined when the request may go on; else the refusal DynamoDB would answer. */
  async authorize(request: SessionRequest): Promise<Refusal | undefined> {
    const session = this.sts.session(request.accessKeyId);
    if (!session) {
      return {
        type: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      };
    }
    if (session.expiresAt <= this.now()) {
      return {
        type: 'ExpiredTokenException',
        message: 'The security token included in the request is expired',
      };
    }
    let body: Body;
    try {
      body = JSON.parse(request.body) as Body;
    } catch {
      return undefined; // dynalite answers the malformed body itself
    }
    for (const access of this.accessesOf(request.operation, body)) {
      const denied = await this.decide(session, access);
      if (denied) return { type: 'AccessDeniedException', message: denied };
    }
    return undefined;
  }

  private accessesOf(operation: string, body: Body): Access[] {
    const keyOf = (table: string, item: unknown) =>
      keyText(((item ?? {}) as Record<string, unknown>)[this.tables.get(table)?.partitionKey ?? '']);
    const table = text(body.TableName);
    switch (operation) {
      case 'GetItem':
      case 'DeleteItem':
      case 'UpdateItem':
        return [{ action: operation, table, leadingKeys: [keyOf(table, body.Key)] }];
      case 'PutItem':
        return [{ action: operation, table, leadingKeys: [keyOf(table, body.Item)] }];
      case 'BatchGetItem':
        return Object.entries((body.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>).map(
          ([name, { Keys = [] }]) => ({
            action: operation,
            table: name,
            leadingKeys: Keys.map((key) => keyOf(name, key)),
          }),
        );
      case 'BatchWriteItem':
        return Object.entries(
          (body.RequestItems ?? {}) as Record<
            string,
            { PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } }[]
          >,
        ).map(([name, writes]) => ({
          action: operation,
          table: name,
          leadingKeys: writes.map((w) => keyOf(name, w.PutRequest?.Item ?? w.DeleteRequest?.Key)),
        }));
      case 'TransactWriteItems':
      case 'TransactGetItems':
        return ((body.TransactItems ?? []) as Record<string, Body>[]).flatMap((item) =>
          Object.entries(item).flatMap(([kind, action]) => {
            const transactAction = TRANSACT_ACTIONS.get(kind);
            if (transactAction === undefined) return [];
            const name = text(action.TableName);
            return [
              {
                action: transactAction,
                table: name,
                leadingKeys: [keyOf(name, kind === 'Put' ? action.Item : action.Key)],
              },
            ];
          }),
        );
      case 'Query': {
        const index = typeof body.IndexName === 'string' ? body.IndexName : undefined;
        const keys = this.tables.get(table);
        const partitionKey = index ? keys?.indexes.get(index) : keys?.partitionKey;
        const value = partitionKey ? queryPartitionValue(body, partitionKey) : undefined;
        return [{ action: operation, table, index, leadingKeys: value === undefined ? undefined : [value] }];
      }
      case 'Scan':
        return [
          {
            action: operation,
            table,
            index: typeof body.IndexName === 'string' ? body.IndexName : undefined,
          },
        ];
      default:
        return [{ action: operation, table }];
    }
  }

  /** Undefined when allowed, else the denial's message. */
  private decide(session: TaskSession, access: Access): Promise<string | undefined> {
    const resource =
      `arn:aws:dynamodb:${this.env.region}:${this.env.accountId}:table/${access.table}` +
      (access.index ? `/index/${access.index}` : '');
    const action = `dynamodb:${access.action}`;
    const key = JSON.stringify([session.accessKeyId, action, resource, this.signature(session, access)]);
    let decision = this.decisions.get(key);
    if (!decision) {
      decision = this.evaluator
        .evaluate({
          principal: session.arn,
          action,
          resource,
          identityPolicies: session.role.identityPolicies,
          context: {
            ...Object.fromEntries(
              Object.entries(session.tags).map(([tag, value]) => [`aws:PrincipalTag/${tag}`, value]),
            ),
            ...(access.leadingKeys ? { 'dynamodb:LeadingKeys': [...new Set(access.leadingKeys)] } : {}),
          },
        })
        .then((result) => (result.allowed ? undefined : result.reason));
      this.decisions.set(key, decision);
    }
    return decision;
  }

  /**
   * How the request's partition keys match the role's `dynamodb:LeadingKeys` patterns (tags substituted): for
   * each key, whether it equals each pattern (and case-insensitively) and matches it as a wildcard (and
   * case-insensitively). Every string operator's outcome, set qualifiers included, follows from these, so two
   * requests with the same signature get the same decision.
   */
  private signature(session: TaskSession, access: Access): string {
    if (!access.leadingKeys) return 'none';
    const patterns = this.patternsOf(session);
    const vectors = new Set(
      access.leadingKeys.map((key) =>
        patterns
          .map((pattern) => {
            const glob = new RegExp(
              `^${pattern
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '.*')
                .replace(/\?/g, '.')}$`,
              's',
            );
            const globIgnoringCase = new RegExp(glob.source, 'si');
            return [
              key === pattern,
              key.toLowerCase() === pattern.toLowerCase(),
              glob.test(key),
              globIgnoringCase.test(key),
            ]
              .map(Number)
              .join('');
          })
          .join('|'),
      ),
    );
    return [...vectors].sort().join(',');
  }

  /** The `dynamodb:LeadingKeys` condition values of the session's role, its tags substituted. */
  private patternsOf(session: TaskSession): string[] {
    const kept = this.patterns.get(session.accessKeyId);
    if (kept) return kept;
    const values: string[] = [];
    const statements = (policy: PolicyDocument): readonly Record<string, unknown>[] =>
      Array.isArray(policy.Statement)
        ? (policy.Statement as readonly Record<string, unknown>[])
        : [policy.Statement as Record<string, unknown>];
    for (const { policy } of session.role.identityPolicies) {
      for (const statement of statements(policy)) {
        const conditions = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
        for (const byKey of Object.values(conditions)) {
          for (const [conditionKey, value] of Object.entries(byKey)) {
            if (conditionKey.toLowerCase() !== 'dynamodb:leadingkeys') continue;
            values.push(...(Array.isArray(value) ? value : [value]).map(String));
          }
        }
      }
    }
    // A variable the session has no tag for matches nothing: a value no key can equal stands in for it.
    const substituted = values.map((value) =>
      value.replace(/\$\{aws:PrincipalTag\/([^}]+)\}/gi, (_, tag: string) => session.tags[tag] ?? '\u0000'),
    );
    this.patterns.set(session.accessKeyId, substituted);
    return substituted;
  }
}
