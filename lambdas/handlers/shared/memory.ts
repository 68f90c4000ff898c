import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { z } from 'zod';
import { BedrockEmbedder, TITAN_EMBED_TEXT_V2 } from '../../adapters/bedrock-embedder';
import { BedrockReasoner } from '../../adapters/bedrock-reasoner';
import { DynamoEpisodicStore } from '../../adapters/dynamodb-episodic-store';
import { DynamoProceduralStore } from '../../adapters/dynamodb-procedural-store';
import { OpenSearchSemanticIndex } from '../../adapters/opensearch-semantic-index';
import { TracedEpisodicStore } from '../../adapters/traced-episodic-store';
import { withRedaction, type MemoryPorts, type RedactionListener } from '../../adapters/redacting-stores';
import type { Reasoner } from '../../domain/memory/reasoner';
import { numberOr, optionalText, requiredText, textOr } from './config';
import { redactionVariables, redactorWith } from './redaction';

/** The reasoner's output allowance per call: what the budget ledger reserves until the call is settled. */
export const REASONER_MAX_TOKENS = 1024;

const similarity = z.number().gt(0, 'must be in (0, 1]').lte(1, 'must be in (0, 1]');

/** The variables of a function with memory (the planning and learning agents): its stores and the embedder. */
const memoryVariables = {
  AWS_REGION: requiredText,
  EPISODIC_TABLE_NAME: requiredText,
  PROCEDURAL_TABLE_NAME: requiredText,
  SEMANTIC_ENDPOINT: requiredText,
  SEMANTIC_INDEX: textOr('semantic-memory'),
  EMBEDDING_MODEL_ID: textOr(TITAN_EMBED_TEXT_V2),
  EMBEDDING_DIMENSIONS: numberOr(1024, z.number().int('must be a whole number').positive('must be positive')),
  /** The similarity threshold for template reuse. */
  TEMPLATE_SIMILARITY_THRESHOLD: numberOr(0.85, similarity),
  ...redactionVariables,
};
type MemoryConfig = z.output<z.ZodObject<typeof memoryVariables>>;

/** The variables of a function that also reasons with a model (the planning agent). */
const reasonerVariables = {
  REASONER_MODEL_ID: requiredText,
  /** A Bedrock guardrail around the reasoner, when one is configured (its version with it). */
  GUARDRAIL_ID: optionalText,
  GUARDRAIL_VERSION: optionalText,
};
type ReasonerConfig = z.output<z.ZodObject<typeof reasonerVariables>> & MemoryConfig;

/** The configuration schema of a function with memory: the memory variables and the function's own (`variables`). */
export const memoryConfig = <V extends z.ZodRawShape>(variables: V) =>
  z.object({ ...memoryVariables, ...variables });

/**
 * The configuration schema of a function with memory and a reasoner: checked at once, so a missing table and a
 * guardrail without a version are reported together.
 */
export const reasoningMemoryConfig = <V extends z.ZodRawShape>(variables: V) =>
  z.object({ ...memoryVariables, ...reasonerVariables, ...variables }).refine(
    (config) => {
      const guardrail = config as ReasonerConfig;
      return !guardrail.GUARDRAIL_ID || Boolean(guardrail.GUARDRAIL_VERSION);
    },
    {
      path: ['GUARDRAIL_VERSION'],
      error: 'required when GUARDRAIL_ID is set',
      when: (payload) => typeof payload.value === 'object' && payload.value !== null,
    },
  );

/** One Bedrock runtime client per cold start, shared by the embedder and the reasoner (one connection pool). */
let bedrock: BedrockRuntimeClient | undefined;
const bedrockClient = (tracer: Tracer): BedrockRuntimeClient =>
  (bedrock ??= tracer.captureAWSv3Client(new BedrockRuntimeClient({})));

/**
 * The memory ports of a function, on AWS services (the sandbox stands in for them at the same endpoints): the
 * embedder, semantic, episodic and procedural memory, every one behind the PII redactor — nothing personal reaches
 * memory.
 */
export function memoryPorts(
  tracer: Tracer,
  config: MemoryConfig,
  onRedaction?: RedactionListener,
): Omit<MemoryPorts, 'reasoner'> {
  const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
  const embedder = new BedrockEmbedder({
    modelId: config.EMBEDDING_MODEL_ID,
    dimensions: config.EMBEDDING_DIMENSIONS,
    client: bedrockClient(tracer),
  });
  return withRedaction(
    {
      embedder,
      semantic: new OpenSearchSemanticIndex({
        dimensions: embedder.dimensions,
        endpoint: config.SEMANTIC_ENDPOINT,
        region: config.AWS_REGION,
        indexName: config.SEMANTIC_INDEX,
      }),
      // Every record also in the X-Ray trace (the decision trace), inside the redaction like memory itself.
      episodic: new TracedEpisodicStore(
        new DynamoEpisodicStore(config.EPISODIC_TABLE_NAME, dynamodb),
        tracer,
      ),
      procedural: new DynamoProceduralStore(config.PROCEDURAL_TABLE_NAME, dynamodb),
    },
    redactorWith(config.REDACTION_KEY),
    onRedaction,
  );
}

/**
 * The reasoner port (Bedrock Converse, with the guardrail when one is configured), behind the PII redactor: nothing
 * personal reaches a prompt. `guard` wraps the model inside the redaction (the inference firewall's budget).
 */
export function reasonerPort(
  tracer: Tracer,
  config: ReasonerConfig,
  onRedaction?: RedactionListener,
  guard: (reasoner: Reasoner, modelId: string) => Reasoner = (reasoner) => reasoner,
): Reasoner {
  const reasoner = guard(
    new BedrockReasoner({
      modelId: config.REASONER_MODEL_ID,
      client: bedrockClient(tracer),
      maxTokens: REASONER_MAX_TOKENS,
      ...(config.GUARDRAIL_ID && config.GUARDRAIL_VERSION
        ? { guardrail: { identifier: config.GUARDRAIL_ID, version: config.GUARDRAIL_VERSION } }
        : {}),
    }),
    config.REASONER_MODEL_ID,
  );
  return withRedaction({ reasoner }, redactorWith(config.REDACTION_KEY), onRedaction).reasoner;
}
