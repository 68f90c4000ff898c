import { warehouseScopes, windowStartOf, type OrderFact } from './windows';

/**
 * What one batch adds to one (scope, window) counter. Order ids, not counts: the store keeps them as sets, so a
 * redelivered message adds nothing and counting stays exact under at-least-once delivery.
 */
export interface WindowIncrement {
  readonly scope: string;
  readonly windowStart: string;
  readonly placedOrderIds: readonly string[];
  readonly cancelledOrderIds: readonly string[];
}

/** Groups facts into per-(scope, window) increments of order ids. */
export function incrementsOf(
  facts: readonly OrderFact[],
  windowMinutes: number,
  scopesOf: (fact: OrderFact) => readonly string[] = warehouseScopes,
): WindowIncrement[] {
  const byKey = new Map<
    string,
    { scope: string; windowStart: string; placed: Set<string>; cancelled: Set<string> }
  >();
  for (const fact of facts) {
    const windowStart = windowStartOf(fact.time, windowMinutes);
    for (const scope of scopesOf(fact)) {
      const key = `${scope}|${windowStart}`;
      let entry = byKey.get(key);
      if (!entry) {
        entry = { scope, windowStart, placed: new Set(), cancelled: new Set() };
        byKey.set(key, entry);
      }
      (fact.kind === 'placed' ? entry.placed : entry.cancelled).add(fact.orderId);
    }
  }
  return [...byKey.values()].map((entry) => ({
    scope: entry.scope,
    windowStart: entry.windowStart,
    placedOrderIds: [...entry.placed].sort(),
    cancelledOrderIds: [...entry.cancelled].sort(),
  }));
}
