import type { SandboxFaults } from './sandbox';

/** The fault drills `npm start -- --fault <name>` understands. */
export const DRILLS = [
  'slow-consumer=<agent>',
  'poison-pill',
  'llm-rate-limit',
  'duplicate-delivery',
  'lambda-timeout=<agent>',
] as const;

/** The hung invocations: killed after this much wall time, for this long (virtual) from the first invocation. */
const LAMBDA_TIMEOUT = { timeoutSeconds: 0.25, forSeconds: 30 * 60 } as const;

/** The slow consumer: this much virtual time per record, for this long from its first invocation. */
const SLOW_CONSUMER = { secondsPerRecord: 10, forSeconds: 30 * 60 } as const;

class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

export interface ParsedFaults {
  readonly sandbox: SandboxFaults;
  /** Inject one event that passes its contract but always fails its consumer. */
  readonly poisonPill: boolean;
}

/** Parses `--fault` values; agents are named by their service name (`monitoring-agent`, `fulfillment-order-book`, …). */
export function parseFaults(specs: readonly string[], services: readonly string[]): ParsedFaults {
  let sandbox: SandboxFaults = {};
  let poisonPill = false;
  const agent = (spec: string, name: string | undefined): string => {
    if (!name)
      throw new FaultSpecError(
        `--fault ${spec} needs an agent: ${spec}=<agent> (one of ${services.join(', ')})`,
      );
    if (services.includes(name)) return name;
    // A prefix names an agent only when it names one: `fulfillment` could be three.
    const candidates = services.filter((s) => s.startsWith(name));
    if (candidates.length > 1) {
      throw new FaultSpecError(
        `--fault ${spec}: "${name}" is ambiguous, it could be ${candidates.join(', ')}; name one of them`,
      );
    }
    const [only] = candidates;
    if (only === undefined)
      throw new FaultSpecError(`--fault ${spec}: no agent "${name}" (one of ${services.join(', ')})`);
    return only;
  };
  for (const spec of specs) {
    const [kind = '', name] = spec.split('=');
    switch (kind) {
      case 'slow-consumer':
        sandbox = { ...sandbox, slowConsumer: { service: agent(kind, name), ...SLOW_CONSUMER } };
        break;
      case 'lambda-timeout':
        sandbox = { ...sandbox, lambdaTimeout: { service: agent(kind, name), ...LAMBDA_TIMEOUT } };
        break;
      case 'duplicate-delivery':
        sandbox = { ...sandbox, duplicateDelivery: true };
        break;
      case 'llm-rate-limit':
      case 'llm-throttle': // its former name
        sandbox = { ...sandbox, llmThrottle: true };
        break;
      case 'poison-pill':
        poisonPill = true;
        break;
      default:
        throw new FaultSpecError(`unknown fault "${spec}"; drills: ${DRILLS.join(', ')}`);
    }
  }
  return { sandbox, poisonPill };
}

/**
 * The poison pill: an `order_placed` that passes its contract (any non-empty order id) but whose id is longer
 * than DynamoDB allows in a partition key (2,048 bytes), so the order book fails on it every time.
 */
export function poisonPillEvent(time: number): Record<string, unknown> {
  return {
    version: '0',
    id: 'poison-pill-0001',
    'detail-type': 'order_placed',
    source: 'retail.orders',
    account: '123456789012',
    time: new Date(time).toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {
      orderId: `poison-${'x'.repeat(2_100)}`,
      customerId: 'cust-poison',
      warehouseId: 'WH-DAL',
      region: 'us-central',
      items: [{ sku: 'SKU-POISON', quantity: 1 }],
      total: 1,
    },
  };
}
