/**
 * Keeps a record within a size: DynamoDB refuses an item over 400 KB and an X-Ray segment document over 64 KB,
 * and a prompt or a model's answer can be longer than either. What is cut says so where it was cut.
 */

/** How a shortened string ends: what was kept of how much. */
const truncationMarker = (kept: number, total: number): string =>
  ` …[truncated: ${kept} of ${total} characters kept]`;

/** The item an array shortened to `maxItems` ends with. */
const omittedItemsMarker = (omitted: number): string => `…[truncated: ${omitted} more item(s)]`;

export interface BoundOptions {
  /** The most bytes the record may take as JSON in UTF-8 (at least 1,024). */
  readonly maxBytes: number;
  /** Arrays keep at most this many items; the rest become one marker item. @default 100 */
  readonly maxItems?: number;
}

/** What is left of a record no shortening of its strings could fit: an excerpt of its JSON. */
export interface TruncatedRecord {
  readonly truncated: true;
  readonly originalBytes: number;
  readonly excerpt: string;
}

/** Strings are never cut shorter than this (plus the marker). */
const MIN_KEPT = 64;

/** UTF-8 length of a string, without encoding it (a lone surrogate counts as U+FFFD, 3 bytes). */
function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

interface Leaf {
  readonly holder: Record<string, unknown> | unknown[];
  readonly key: string | number;
  readonly original: string;
  kept: number;
}

/** A copy of `value` with arrays capped, and every string leaf listed so it can be shortened in place. */
function copyWithLeaves(value: unknown, maxItems: number, leaves: Leaf[]): unknown {
  if (Array.isArray(value)) {
    const items: unknown[] = value
      .slice(0, maxItems)
      .map((item: unknown) => copyWithLeaves(item, maxItems, leaves));
    if (value.length > maxItems) items.push(omittedItemsMarker(value.length - maxItems));
    items.forEach((item, index) => {
      if (typeof item === 'string')
        leaves.push({ holder: items, key: index, original: item, kept: item.length });
    });
    return items;
  }
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      copy[key] = copyWithLeaves(item, maxItems, leaves);
      if (typeof item === 'string') leaves.push({ holder: copy, key, original: item, kept: item.length });
    }
    return copy;
  }
  return value;
}

/** Cuts `text` to `kept` characters (never inside a surrogate pair) and marks it. */
function cut(text: string, kept: number): string {
  let at = kept;
  const last = text.charCodeAt(at - 1);
  if (last >= 0xd800 && last <= 0xdbff) at -= 1;
  return text.slice(0, at) + truncationMarker(at, text.length);
}

/**
 * `record` within `maxBytes` of UTF-8 JSON: unchanged when it fits; otherwise arrays past `maxItems` end in a
 * marker item and the longest strings are cut first, each ending in {@link truncationMarker}, until it fits. A
 * record that still does not fit (thousands of short strings) becomes a {@link TruncatedRecord}.
 *
 * @example boundRecord({ prompt: 'x'.repeat(500_000) }, { maxBytes: 64_000 }).prompt.endsWith('characters kept]')
 */
export function boundRecord(
  record: Record<string, unknown>,
  options: BoundOptions,
): Record<string, unknown> | TruncatedRecord {
  const { maxBytes } = options;
  if (!(Number.isInteger(maxBytes) && maxBytes >= 1024)) {
    throw new RangeError(`maxBytes must be an integer of at least 1024, got ${maxBytes}`);
  }
  const original = JSON.stringify(record);
  const originalBytes = utf8Bytes(original);
  if (originalBytes <= maxBytes) return record;

  const leaves: Leaf[] = [];
  const copy = copyWithLeaves(record, options.maxItems ?? 100, leaves) as Record<string, unknown>;
  const set = (leaf: Leaf, text: string) => {
    if (Array.isArray(leaf.holder)) leaf.holder[leaf.key as number] = text;
    else leaf.holder[leaf.key as string] = text;
  };
  for (
    let bytes = utf8Bytes(JSON.stringify(copy));
    bytes > maxBytes;
    bytes = utf8Bytes(JSON.stringify(copy))
  ) {
    let longest: Leaf | undefined;
    for (const leaf of leaves) if (leaf.kept > MIN_KEPT && leaf.kept > (longest?.kept ?? 0)) longest = leaf;
    if (longest === undefined) {
      // Every string is as short as it goes: keep an excerpt of the JSON (at most 6 bytes a character escaped).
      return { truncated: true, originalBytes, excerpt: cut(original, Math.floor((maxBytes - 200) / 6)) };
    }
    // Each character cut saves at least one byte; the marker costs at most its own length.
    const excess = bytes - maxBytes + truncationMarker(longest.kept, longest.original.length).length;
    longest.kept = Math.max(MIN_KEPT, longest.kept - excess);
    set(longest, cut(longest.original, longest.kept));
  }
  return copy;
}
