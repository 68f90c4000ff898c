import { isoOf, regionScope, warehouseScope } from '../monitoring/windows';
import { recoveryHour, recoveryMeasurement, type RecoveryMeasurement } from './kpis';

/** The order ids the monitoring agent counted in a scope's windows (its window counters, on AWS in DynamoDB). */
export interface WindowOrders {
  /** Ids placed and cancelled in `scope`'s windows that start in [fromWindowStart, toWindowStart]. */
  ordersBetween(
    scope: string,
    fromWindowStart: string,
    toWindowStart: string,
  ): Promise<{ placed: Iterable<string>; cancelled: Iterable<string> }>;
}

/** A remediated incident whose hour after is to be measured. */
export interface RecoveryRequest {
  readonly correlationId: string;
  readonly scope: { readonly type: 'warehouse' | 'region'; readonly id: string };
  readonly baselineRatio: number;
  /** When the remediation ended (epoch ms). */
  readonly resolvedAtMs: number;
}

export interface RecoveryReport {
  readonly correlationId: string;
  /** `warehouse#…` or `region#…`, as the window counters name it. */
  readonly scope: string;
  /** The hour measured: whole detector windows, `[from, to)`. */
  readonly from: string;
  readonly to: string;
  /** Absent when no order was placed in the scope during the hour. */
  readonly measurement?: RecoveryMeasurement;
}

/**
 * The monitoring agent's KPI for one remediated incident, once its hour is over: of the orders its scope placed in
 * the hour after resolution (whole `windowMinutes` windows), the share cancelled in it, against the baseline.
 */
export async function measureRecovery(
  orders: WindowOrders,
  request: RecoveryRequest,
  windowMinutes: number,
): Promise<RecoveryReport> {
  const scope =
    request.scope.type === 'warehouse' ? warehouseScope(request.scope.id) : regionScope(request.scope.id);
  const { fromMs, toMs } = recoveryHour(request.resolvedAtMs, windowMinutes);
  const { placed, cancelled } = await orders.ordersBetween(
    scope,
    isoOf(fromMs),
    isoOf(toMs - windowMinutes * 60_000),
  );
  const measurement = recoveryMeasurement(placed, cancelled, request.baselineRatio);
  return {
    correlationId: request.correlationId,
    scope,
    from: isoOf(fromMs),
    to: isoOf(toMs),
    ...(measurement && { measurement }),
  };
}
