import type { Tracer } from '@aws-lambda-powertools/tracer';
import { boundRecord } from '../domain/memory/bounded-record';
import { TRACE_METADATA_MAX_BYTES } from '../domain/memory/decision-trace';
import type { EpisodicRecord, EpisodicStore } from '../domain/memory/episodic';

/** The X-Ray metadata namespace of decision-trace records. */
const TRACE_METADATA_NAMESPACE = 'decision-trace';

/**
 * Episodic memory that also puts every record in the function's X-Ray trace: one subsegment per record
 * (`### episodic <kind>`), annotated with the correlation id and kind (searchable in X-Ray), the record as
 * metadata (bounded to what a segment document holds). Wire it inside the redaction, so the trace sees what memory
 * sees. Without an active trace (tests, the sandbox) it writes the record only.
 */
export class TracedEpisodicStore implements EpisodicStore {
  constructor(
    private readonly inner: EpisodicStore,
    private readonly tracer: Tracer,
  ) {}

  async record(record: EpisodicRecord): Promise<void> {
    const parent = this.tracer.isTracingEnabled() ? this.tracer.getSegment() : undefined;
    const subsegment = parent?.addNewSubsegment(`### episodic ${record.kind}`);
    if (subsegment) {
      subsegment.addAnnotation('correlationId', record.correlationId);
      subsegment.addAnnotation('recordKind', record.kind);
      subsegment.addMetadata(
        record.kind,
        boundRecord({ ...record }, { maxBytes: TRACE_METADATA_MAX_BYTES }),
        TRACE_METADATA_NAMESPACE,
      );
    }
    // The write's own DynamoDB subsegment nests under the record's.
    if (parent && subsegment) this.tracer.setSegment(subsegment);
    try {
      await this.inner.record(record);
    } catch (error) {
      if (error instanceof Error) subsegment?.addError(error);
      throw error;
    } finally {
      subsegment?.close();
      if (parent) this.tracer.setSegment(parent);
    }
  }

  history(entity: string, from: string, to: string): Promise<EpisodicRecord[]> {
    return this.inner.history(entity, from, to);
  }
}
