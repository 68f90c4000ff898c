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

/** The variables of a function with memory ports (the planning and learning agents). */
const memoryVariables = {
  AWS_REGION: requiredText,
  EPISODIC_TABLE_NAME: requiredText,
  PROCEDURAL_TABLE_NAME: requiredText,
  SEMANTIC_ENDPOINT: requiredText,
  SEMANTIC_INDEX: textOr('semantic-memory'),
  EMBEDDING_MODEL_ID: textOr(TITAN_EMBED_TEXT_V2),
  EMBEDDING_DIMENSIONS: numberOr(1024, z.number().int('must be a whole number').positive('must be positive')),
  REASONER_MODEL_ID: requiredText,
  /** The similarity threshold for template reuse. */
  TEMPLATE_SIMILARITY_THRESHOLD: numberOr(0.85, similarity),
  /** A Bedrock guardrail around the reasoner, when one is configured (its version with it). */
  GUARDRAIL_ID: optionalText,
  GUARDRAIL_VERSION: optionalText,
  ...redactionVariables,
};
export type MemoryConfig = z.output<z.ZodObject<typeof memoryVariables>>;

/**
 * The configuration schema of a function with memory ports: the memory variables and the function's own
 * (`variables`). Checked at once, so a missing table and a guardrail without a version are reported together.
 */
export const memoryConfig = <V extends z.ZodRawShape>(variables: V) =>
  z.object({ ...memoryVariables, ...variables }).refine(
    (config) => {
      const guardrail = config as MemoryConfig;
      return !guardrail.GUARDRAIL_ID || Boolean(guardrail.GUARDRAIL_VERSION);
    },
    {
      path: ['GUARDRAIL_VERSION'],
      message: 'required when GUARDRAIL_ID is set',
      when: (payload) => typeof payload.value === 'object' && payload.value !== null,
    },
  );

/**
 * The memory ports of a function, on AWS services (the sandbox stands in for them at the same endpoints), every
 * one behind the PII redactor: nothing personal reaches memory or a prompt.
 */
export function memoryPorts(
  tracer: Tracer,
  config: MemoryConfig,
  onRedaction?: RedactionListener,
  /** Wraps the model behind the reasoner port (the inference firewall's budget), inside the redaction. */
  guardReasoner: (reasoner: Reasoner, modelId: string) => Reasoner = (reasoner) => reasoner,
): MemoryPorts {
  const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
  const bedrock = tracer.captureAWSv3Client(new BedrockRuntimeClient({}));
  const embedder = new BedrockEmbedder({
    modelId: config.EMBEDDING_MODEL_ID,
    dimensions: config.EMBEDDING_DIMENSIONS,
    client: bedrock,
  });
  const reasonerModelId = config.REASONER_MODEL_ID;
  const ports: MemoryPorts = {
    embedder,
    semantic: new OpenSearchSemanticIndex({
      dimensions: embedder.dimensions,
      endpoint: config.SEMANTIC_ENDPOINT,
      region: config.AWS_REGION,
      indexName: config.SEMANTIC_INDEX,
    }),
    // Every record also in the X-Ray trace (the decision trace), inside the redaction like memory itself.
    episodic: new TracedEpisodicStore(new DynamoEpisodicStore(config.EPISODIC_TABLE_NAME, dynamodb), tracer),
    procedural: new DynamoProceduralStore(config.PROCEDURAL_TABLE_NAME, dynamodb),
    reasoner: guardReasoner(
      new BedrockReasoner({
        modelId: reasonerModelId,
        client: bedrock,
        maxTokens: REASONER_MAX_TOKENS,
        ...(config.GUARDRAIL_ID && config.GUARDRAIL_VERSION
          ? { guardrail: { identifier: config.GUARDRAIL_ID, version: config.GUARDRAIL_VERSION } }
          : {}),
      }),
      reasonerModelId,
    ),
  };
  return withRedaction(ports, redactorWith(config.REDACTION_KEY), onRedaction);
}
