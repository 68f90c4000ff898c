import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { BedrockEmbedder, TITAN_EMBED_TEXT_V2 } from '../../adapters/bedrock-embedder';
import { BedrockReasoner } from '../../adapters/bedrock-reasoner';
import { DynamoEpisodicStore } from '../../adapters/dynamodb-episodic-store';
import { DynamoProceduralStore } from '../../adapters/dynamodb-procedural-store';
import { OpenSearchSemanticIndex } from '../../adapters/opensearch-semantic-index';
import { TracedEpisodicStore } from '../../adapters/traced-episodic-store';
import { withRedaction, type MemoryPorts, type RedactionListener } from '../../adapters/redacting-stores';
import type { Reasoner } from '../../domain/memory/reasoner';
import { ConfigurationError, requireEnv } from './environment';
import { redactorFromEnv } from './redaction';

/** The reasoner's output allowance per call: what the budget ledger reserves until the call is settled. */
export const REASONER_MAX_TOKENS = 1024;

/** The similarity threshold for template reuse, from configuration. */
export function templateThreshold(): number {
  const value = Number(process.env.TEMPLATE_SIMILARITY_THRESHOLD ?? 0.85);
  if (!(value > 0 && value <= 1)) {
    throw new ConfigurationError(
      `TEMPLATE_SIMILARITY_THRESHOLD must be in (0, 1], got ${process.env.TEMPLATE_SIMILARITY_THRESHOLD}`,
    );
  }
  return value;
}

/**
 * The memory ports of a function, on AWS services (the sandbox stands in for them at the same endpoints), every
 * one behind the PII redactor: nothing personal reaches memory or a prompt.
 */
export function memoryPorts(
  tracer: Tracer,
  onRedaction?: RedactionListener,
  /** Wraps the model behind the reasoner port (the inference firewall's budget), inside the redaction. */
  guardReasoner: (reasoner: Reasoner, modelId: string) => Reasoner = (reasoner) => reasoner,
): MemoryPorts {
  const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({}));
  const bedrock = tracer.captureAWSv3Client(new BedrockRuntimeClient({}));
  const embedder = new BedrockEmbedder({
    modelId: process.env.EMBEDDING_MODEL_ID ?? TITAN_EMBED_TEXT_V2,
    dimensions: Number(process.env.EMBEDDING_DIMENSIONS ?? 1024),
    client: bedrock,
  });
  const reasonerModelId = requireEnv('REASONER_MODEL_ID');
  const ports: MemoryPorts = {
    embedder,
    semantic: new OpenSearchSemanticIndex({
      dimensions: embedder.dimensions,
      endpoint: requireEnv('SEMANTIC_ENDPOINT'),
      region: requireEnv('AWS_REGION'),
      indexName: process.env.SEMANTIC_INDEX ?? 'semantic-memory',
    }),
    // Every record also in the X-Ray trace (the decision trace), inside the redaction like memory itself.
    episodic: new TracedEpisodicStore(
      new DynamoEpisodicStore(requireEnv('EPISODIC_TABLE_NAME'), dynamodb),
      tracer,
    ),
    procedural: new DynamoProceduralStore(requireEnv('PROCEDURAL_TABLE_NAME'), dynamodb),
    reasoner: guardReasoner(
      new BedrockReasoner({
        modelId: reasonerModelId,
        client: bedrock,
        maxTokens: REASONER_MAX_TOKENS,
        ...(process.env.GUARDRAIL_ID
          ? { guardrail: { identifier: process.env.GUARDRAIL_ID, version: requireEnv('GUARDRAIL_VERSION') } }
          : {}),
      }),
      reasonerModelId,
    ),
  };
  return withRedaction(ports, redactorFromEnv(), onRedaction);
}
