/**
 * Lookups a generator makes in what it built itself (its warehouses, regions, noise series): a miss is a bug in
 * the generator, so it stops with what was missing instead of letting `undefined` into a stream.
 */

/** The value `map` holds for `key`. */
export function valueOf<K, V>(map: ReadonlyMap<K, V>, key: K, what: string): V {
  const value = map.get(key);
  if (value === undefined) throw new RangeError(`no ${what} for ${String(key)}`);
  return value;
}

/** The item of `items` at `index`. */
export function itemAt<T>(items: readonly T[], index: number, what: string): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`no ${what} at ${index} (of ${items.length})`);
  return item;
}
