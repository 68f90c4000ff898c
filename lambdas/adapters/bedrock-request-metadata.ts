import type { OrderCancellationSpike } from '../domain/contracts/platform';

/** What Bedrock accepts in a `requestMetadata` value (and key): anything else fails the whole Converse call. */
const METADATA_VALUE = /^[a-zA-Z0-9\s:_@$#=/+,.-]{0,256}$/;

/**
 * The incident a Converse call plans for, as Bedrock `requestMetadata`: tags that model invocation logs can be
 * filtered by (every call about one incident, or one warehouse), and the structured facts the sandbox's
 * stand-in model answers from, so it never reads the prose prompt. A value Bedrock would refuse (a character
 * outside its set, more than 256 characters) is left out rather than failing the call; the prompt still
 * carries every fact.
 */
export function incidentRequestMetadata(incident: OrderCancellationSpike): Record<string, string> {
  const contributors = incident.contributors?.map((contributor) => contributor.warehouseId);
  const tags: Record<string, string | undefined> = {
    correlationId: incident.correlationId,
    scopeType: incident.scope.type,
    scopeId: incident.scope.id,
    windowStart: incident.window.start,
    windowEnd: incident.window.end,
    // Comma-separated: an id holding a comma would read as two, so such a list is left out.
    contributors: contributors?.some((id) => id.includes(',')) ? undefined : contributors?.join(','),
  };
  return Object.fromEntries(
    Object.entries(tags).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && METADATA_VALUE.test(entry[1]),
    ),
  );
}
