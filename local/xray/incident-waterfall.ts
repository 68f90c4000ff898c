import type { SegmentDocument } from './segment-document';
import { buildWaterfall, type Waterfall } from './waterfall';

/** The trace ids of the events an incident's correlation id annotates (the sandbox's EventBridge segments). */
function traceIdsOfIncident(documents: Iterable<SegmentDocument>, correlationId: string): string[] {
  const ids = new Set<string>();
  for (const doc of documents) {
    if (doc.annotations?.correlation_id === correlationId) ids.add(doc.trace_id);
  }
  return [...ids];
}

/** The waterfall of every trace an incident's events travelled on. */
export function incidentWaterfall(documents: readonly SegmentDocument[], correlationId: string): Waterfall {
  const traceIds = new Set(traceIdsOfIncident(documents, correlationId));
  return buildWaterfall(documents.filter((doc) => traceIds.has(doc.trace_id)));
}
