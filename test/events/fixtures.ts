import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseDetail } from '../../lambdas/domain/contracts/parse';
import type { OrderCancellationSpike } from '../../lambdas/domain/contracts/platform';

/** A real envelope from `test/events/<detail-type>/<name>.json`, fresh for each call. */
export function eventFixture(
  detailType: string,
  name: string,
): Record<string, unknown> & { detail: unknown } {
  return JSON.parse(readFileSync(path.join(__dirname, detailType, `${name}.json`), 'utf8')) as Record<
    string,
    unknown
  > & { detail: unknown };
}

/** The warehouse spike fixture's detail, parsed with its contract. */
export const spikeFixture = (): OrderCancellationSpike =>
  parseDetail('order_cancellation_spike', eventFixture('order_cancellation_spike', 'warehouse').detail);
