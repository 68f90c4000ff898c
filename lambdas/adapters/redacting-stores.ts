import { createHmac } from 'node:crypto';
import type { Redaction, Redactor } from '../domain/governance/redaction';
import type { Embedder, EmbeddingInput } from '../domain/memory/embedder';
import type { EpisodicRecord, EpisodicStore } from '../domain/memory/episodic';
import type {
  NewTemplate,
  OutcomeRecord,
  ProceduralStore,
  ProceduralTemplate,
  TemplateMatch,
  TemplateOutcome,
  TemplateScope,
} from '../domain/memory/procedural';
import type { DraftPlan, Reasoner, ReasoningRequest } from '../domain/memory/reasoner';
import type {
  SemanticDocument,
  SemanticHit,
  SemanticIndex,
  SemanticQuery,
} from '../domain/memory/semantic-index';

/** Where a redaction happened, for a metric or a log line (never the redacted value). */
interface RedactionReport {
  readonly port: 'episodic' | 'semantic' | 'procedural' | 'reasoner' | 'embedder';
  readonly redactions: readonly Redaction[];
}

export type RedactionListener = (report: RedactionReport) => void;

/**
 * Keyed pseudonyms for `createRedactor({ pseudonymize })`: HMAC-SHA256 of the value, first `length` hex
 * digits. The key (from a secret) makes pseudonyms unguessable from the value alone.
 */
export function hmacPseudonymizer(key: string | Uint8Array, length = 12): (value: string) => string {
  if (key.length === 0) throw new RangeError('the pseudonymisation key must not be empty');
  return (value) => createHmac('sha256', key).update(value).digest('hex').slice(0, length);
}

/** Collects the redactions of one write and reports them once, when there were any. */
function redactWith(redactor: Redactor, port: RedactionReport['port'], listener?: RedactionListener) {
  return <T>(apply: (redact: <V>(value: V) => V) => T): T => {
    const found: Redaction[] = [];
    const result = apply((value) => {
      const redacted = redactor.redact(value);
      found.push(...redacted.redactions);
      return redacted.value;
    });
    if (found.length > 0) listener?.({ port, redactions: found });
    return result;
  };
}

/**
 * Episodic memory behind the firewall: entity, kind, correlation id and data are redacted before they are
 * written. Reads redact the entity the same way, so a pseudonymised entity is still found.
 */
export class RedactingEpisodicStore implements EpisodicStore {
  private readonly redacting;

  constructor(
    private readonly inner: EpisodicStore,
    private readonly redactor: Redactor,
    listener?: RedactionListener,
  ) {
    this.redacting = redactWith(redactor, 'episodic', listener);
  }

  record(record: EpisodicRecord): Promise<void> {
    const redacted = this.redacting((redact) => redact(record));
    return this.inner.record(redacted);
  }

  history(entity: string, from: string, to: string): Promise<EpisodicRecord[]> {
    return this.inner.history(this.redactor.redactText(entity).value, from, to);
  }
}

/** Semantic memory behind the firewall: text and metadata are redacted; vectors pass as they are. */
class RedactingSemanticIndex implements SemanticIndex {
  private readonly redacting;

  constructor(
    private readonly inner: SemanticIndex,
    redactor: Redactor,
    listener?: RedactionListener,
  ) {
    this.redacting = redactWith(redactor, 'semantic', listener);
  }

  upsert(documents: readonly SemanticDocument[]): Promise<void> {
    const redacted = this.redacting((redact) =>
      documents.map((document) => ({
        ...document,
        id: redact(document.id),
        text: redact(document.text),
        metadata: redact(document.metadata),
      })),
    );
    return this.inner.upsert(redacted);
  }

  search(vector: readonly number[], query: SemanticQuery): Promise<SemanticHit[]> {
    return this.inner.search(vector, query);
  }
}

/** Procedural memory behind the firewall: template tasks (literal parameters) are redacted. */
class RedactingProceduralStore implements ProceduralStore {
  private readonly redacting;

  constructor(
    private readonly inner: ProceduralStore,
    redactor: Redactor,
    listener?: RedactionListener,
  ) {
    this.redacting = redactWith(redactor, 'procedural', listener);
  }

  findSimilar(vector: readonly number[], threshold: number, scope: TemplateScope): Promise<TemplateMatch[]> {
    return this.inner.findSimilar(vector, threshold, scope);
  }

  recordOutcome(
    templateId: string,
    outcome: TemplateOutcome,
    record: OutcomeRecord,
  ): Promise<'applied' | 'duplicate'> {
    return this.inner.recordOutcome(templateId, outcome, record);
  }

  upsertFromPlan(template: NewTemplate): Promise<ProceduralTemplate> {
    const redacted = this.redacting((redact) => ({ ...template, tasks: redact(template.tasks) }));
    return this.inner.upsertFromPlan(redacted);
  }
}

/** The firewall around the reasoner: the prompt's facts are redacted on the way in, its draft on the way out. */
class RedactingReasoner implements Reasoner {
  private readonly redacting;

  constructor(
    private readonly inner: Reasoner,
    redactor: Redactor,
    listener?: RedactionListener,
  ) {
    this.redacting = redactWith(redactor, 'reasoner', listener);
  }

  async propose(request: ReasoningRequest): Promise<DraftPlan> {
    const redacted = this.redacting((redact) => ({
      ...request,
      // The incident's facts are in the prompt too: an identifier that carries personal data (an e-mail as a
      // warehouse id, say) is redacted there, and a plan naming it then fails validation against the incident.
      incident: redact(request.incident),
      description: redact(request.description),
      evidence: redact(request.evidence),
      ...(request.rejected === undefined ? {} : { rejected: redact(request.rejected) }),
    }));
    const draft = await this.inner.propose(redacted);
    return this.redacting((redact) => redact(draft));
  }
}

/** The firewall around the embedder: text sent to a model is redacted (feature values too). */
class RedactingEmbedder implements Embedder {
  private readonly redacting;

  constructor(
    private readonly inner: Embedder,
    redactor: Redactor,
    listener?: RedactionListener,
  ) {
    this.redacting = redactWith(redactor, 'embedder', listener);
  }

  get model(): string {
    return this.inner.model;
  }

  get dimensions(): number {
    return this.inner.dimensions;
  }

  embed(inputs: readonly EmbeddingInput[]): Promise<number[][]> {
    return this.inner.embed(this.redacting((redact) => inputs.map((input) => redact(input))));
  }
}

export interface MemoryPorts {
  readonly embedder: Embedder;
  readonly semantic: SemanticIndex;
  readonly episodic: EpisodicStore;
  readonly procedural: ProceduralStore;
  readonly reasoner: Reasoner;
}

/** Wraps every memory port and the reasoner with the redactor: how handlers wire the firewall in one place. */
export function withRedaction<P extends Partial<MemoryPorts>>(
  ports: P,
  redactor: Redactor,
  listener?: RedactionListener,
): P {
  return {
    ...ports,
    ...(ports.embedder && { embedder: new RedactingEmbedder(ports.embedder, redactor, listener) }),
    ...(ports.semantic && { semantic: new RedactingSemanticIndex(ports.semantic, redactor, listener) }),
    ...(ports.episodic && { episodic: new RedactingEpisodicStore(ports.episodic, redactor, listener) }),
    ...(ports.procedural && {
      procedural: new RedactingProceduralStore(ports.procedural, redactor, listener),
    }),
    ...(ports.reasoner && { reasoner: new RedactingReasoner(ports.reasoner, redactor, listener) }),
  };
}
