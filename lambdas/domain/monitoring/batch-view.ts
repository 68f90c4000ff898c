import { type DetectorConfig } from './detector-config';
import { ScopeHistory } from './scope-history';
import type { Cell, WindowStore } from './window-store';
import { cellScope, regionScope, warehouseScope, type OrderFact } from './windows';

/**
 * The scopes a fact counts in, plus its (region, warehouse) cell when both its warehouse and its region are
 * monitored: the cells are what attribution reads (see attribution.ts); they never open incidents themselves.
 * Records in `batch` which cells, regions and warehouses the batch has seen.
 */
export function withCells(
  scopesOf: (fact: OrderFact) => readonly string[],
  batch: BatchView,
): (fact: OrderFact) => string[] {
  return (fact) => {
    const scopes = [...scopesOf(fact)];
    if (scopes.includes(warehouseScope(fact.warehouseId)) && scopes.includes(regionScope(fact.region))) {
      const cell = cellScope(fact.region, fact.warehouseId);
      if (!batch.cells.has(cell)) batch.pairs.push({ region: fact.region, warehouseId: fact.warehouseId });
      batch.cells.add(cell);
      batch.regions.add(fact.region);
      batch.warehouses.add(fact.warehouseId);
      scopes.push(cell);
    }
    return scopes;
  };
}

/** One batch's reads, each (scope, range) once, and what the batch knows of the network. */
export class BatchView {
  private readonly histories = new Map<string, Promise<ScopeHistory>>();
  /** (region, warehouse) cells among the batch's facts, and their customer regions and warehouses. */
  readonly cells = new Set<string>();
  readonly pairs: Cell[] = [];
  readonly regions = new Set<string>();
  readonly warehouses = new Set<string>();

  constructor(
    private readonly store: WindowStore,
    private readonly config: DetectorConfig,
  ) {}

  history(scope: string, from: string, to: string): Promise<ScopeHistory> {
    const key = `${scope}|${from}|${to}`;
    let history = this.histories.get(key);
    if (!history) {
      history = this.store
        .history(scope, from, to)
        .then((counts) => ScopeHistory.of(scope, counts, this.config.windowMinutes));
      this.histories.set(key, history);
    }
    return history;
  }
}
