import * as path from 'node:path';
import { ensureAssembly } from '../../local/assembly';
import { Sandbox } from '../../local/sandbox';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const assemblyDir = path.join(repoRoot, 'cdk.out');

/** Synthesizes once (reusing an up-to-date cdk.out) and starts a fresh sandbox on it. */
export async function startSandbox(startTime?: number): Promise<Sandbox> {
  ensureAssembly(repoRoot, assemblyDir, () => undefined);
  return Sandbox.start({ assemblyDir, startTime });
}

/** A retail envelope as an order service emits it. */
export function orderEvent(
  detailType: 'order_placed' | 'order_cancelled',
  time: string,
  detail: Record<string, unknown>,
  id = `${detailType}-${String(detail.orderId)}`,
): Record<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source: 'retail.orders',
    account: '123456789012',
    time,
    region: 'us-east-1',
    resources: [],
    detail,
  };
}
