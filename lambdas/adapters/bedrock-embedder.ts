import {
  BedrockRuntimeClient,
  InvokeModelCommand,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { z } from 'zod';
import { embeddingText, type Embedder, type EmbeddingInput } from '../domain/memory/embedder';
import { DimensionMismatch } from '../domain/memory/errors';
import { mapLimited } from './concurrency';

export const TITAN_EMBED_TEXT_V2 = 'amazon.titan-embed-text-v2:0';

/** Titan Text Embeddings v2 returns 256, 512 or 1024 dimensions. */
const TITAN_V2_DIMENSIONS = [256, 512, 1024] as const;

/** Titan v2 takes at most 50,000 characters (and 8,192 tokens) per input. */
const MAX_INPUT_CHARS = 50_000;
/** Titan v2's token limit per input: text within 50,000 characters can still pass it (digits, ids, non-Latin text). */
const MAX_INPUT_TOKENS = 8_192;
/** Shorter inputs tried after a refusal for its token count, before the refusal is final. */
const TOKEN_RETRIES = 3;

export interface BedrockEmbedderOptions {
  /** @default 'amazon.titan-embed-text-v2:0' */
  readonly modelId?: string;
  /** 256, 512 or 1024. @default 1024 */
  readonly dimensions?: number;
  /** @default new BedrockRuntimeClient({}) */
  readonly client?: BedrockRuntimeClient;
  /** InvokeModel embeds one text per call; this many calls run at once. @default 4 */
  readonly concurrency?: number;
}

const titanResponse = z.object({ embedding: z.array(z.number()) });

/**
 * Embeddings from Amazon Titan Text Embeddings v2 through Bedrock `InvokeModel`, normalised by the model
 * (`normalize: true`), so cosine similarity is a dot product. Incidents are embedded by their paragraph.
 */
export class BedrockEmbedder implements Embedder {
  readonly dimensions: number;
  readonly model: string;
  private readonly modelId: string;
  private readonly client: BedrockRuntimeClient;
  private readonly concurrency: number;

  constructor(options: BedrockEmbedderOptions = {}) {
    const dimensions = options.dimensions ?? 1024;
    if (!(TITAN_V2_DIMENSIONS as readonly number[]).includes(dimensions)) {
      throw new RangeError(`dimensions must be one of ${TITAN_V2_DIMENSIONS.join(', ')}, got ${dimensions}`);
    }
    this.dimensions = dimensions;
    this.modelId = options.modelId ?? TITAN_EMBED_TEXT_V2;
    this.model = `${this.modelId}/${dimensions}`;
    this.client = options.client ?? new BedrockRuntimeClient({});
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  embed(inputs: readonly EmbeddingInput[]): Promise<number[][]> {
    return mapLimited(inputs, this.concurrency, (input) => this.embedOne(embeddingText(input)));
  }

  /**
   * Embeds `text`, cut to 50,000 characters. Whether it is within 8,192 tokens is known only to the model: a
   * refusal for its token count (a ValidationException naming tokens) is answered by cutting the text in
   * proportion — to the limit over the count the message gives, with a 10% margin, or to half when it gives none —
   * up to three times; the incident's text leads with what matters, so its head is what is embedded.
   */
  private async embedOne(text: string): Promise<number[]> {
    let input = cutAt(text, MAX_INPUT_CHARS);
    for (let retry = 0; ; retry++) {
      try {
        return await this.invoke(input);
      } catch (error) {
        if (
          !(error instanceof ValidationException) ||
          !/token/i.test(error.message) ||
          retry >= TOKEN_RETRIES
        ) {
          throw error;
        }
        const counted = /(\d+)\D*$/.exec(error.message);
        const tokens = counted ? Number(counted[1]) : Number.NaN;
        const share = tokens > MAX_INPUT_TOKENS ? (0.9 * MAX_INPUT_TOKENS) / tokens : 0.5;
        input = cutAt(input, Math.floor(input.length * share));
      }
    }
  }

  private async invoke(inputText: string): Promise<number[]> {
    const response = await this.client.send(
      new InvokeModelCommand({
        modelId: this.modelId,
        contentType: 'application/json',
        accept: 'application/json',
        body: JSON.stringify({ inputText, dimensions: this.dimensions, normalize: true }),
      }),
    );
    const { embedding } = titanResponse.parse(JSON.parse(new TextDecoder().decode(response.body)));
    if (embedding.length !== this.dimensions) {
      throw new DimensionMismatch(this.dimensions, embedding.length, `${this.modelId} response`);
    }
    return embedding;
  }
}

/** The first `length` UTF-16 units of `text`, one fewer when the cut would split a surrogate pair. */
function cutAt(text: string, length: number): string {
  if (text.length <= length) return text;
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}
