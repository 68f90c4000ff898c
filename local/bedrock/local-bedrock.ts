import type { RestResponse } from '../opensearch';
import { LocalEmbedder } from './local-embedder';
import { ruleModelAnswer } from './rule-model';

const failure = (
  status: number,
  errorType: string,
  message: string,
): RestResponse & { errorType: string } => ({
  status,
  errorType,
  body: { message },
});

/**
 * The sandbox's Bedrock runtime: `InvokeModel` for Titan Text Embeddings v2 answered by the self-contained
 * local embedder (feature hashing; no model weights exist here), and `Converse` with tool use answered by a
 * deterministic model (`rule-model.ts`: the product's rule over the incident facts the call's
 * `requestMetadata` carries). The `llm-throttle` drill makes Converse answer `ThrottlingException`, as Bedrock
 * does under load.
 */
export class LocalBedrock {
  private readonly embedders = new Map<number, LocalEmbedder>();
  converseCalls = 0;
  throttled = 0;

  constructor(public options: { throttleConverse?: boolean } = {}) {}

  async handle(method: string, path: string, body: unknown): Promise<RestResponse & { errorType?: string }> {
    const [resource = ''] = path.split('?');
    const [, encodedModelId, operation] = /^\/model\/([^/]+)\/(invoke|converse)$/.exec(resource) ?? [];
    if (method !== 'POST' || encodedModelId === undefined)
      return failure(404, 'UnknownOperationException', `no Bedrock operation at ${method} ${path}`);
    const modelId = decodeURIComponent(encodedModelId);
    return operation === 'invoke'
      ? this.invoke(modelId, body)
      : Promise.resolve(this.converse(modelId, body));
  }

  private async invoke(modelId: string, body: unknown): Promise<RestResponse & { errorType?: string }> {
    if (!modelId.startsWith('amazon.titan-embed-text-v2')) {
      return failure(
        400,
        'ValidationException',
        `The sandbox serves InvokeModel for Titan Text Embeddings v2 only, not ${modelId}.`,
      );
    }
    const { inputText, dimensions = 1024 } = (body ?? {}) as { inputText?: unknown; dimensions?: number };
    if (typeof inputText !== 'string' || inputText.length === 0) {
      return failure(400, 'ValidationException', 'Malformed input request: inputText is required.');
    }
    if (![256, 512, 1024].includes(dimensions)) {
      return failure(
        400,
        'ValidationException',
        `Malformed input request: dimensions must be 256, 512 or 1024.`,
      );
    }
    let embedder = this.embedders.get(dimensions);
    if (!embedder) this.embedders.set(dimensions, (embedder = new LocalEmbedder({ dimensions })));
    const [embedding] = await embedder.embed([inputText]);
    return { status: 200, body: { embedding, inputTextTokenCount: inputText.split(/\s+/).length } };
  }

  private converse(modelId: string, body: unknown): RestResponse & { errorType?: string } {
    this.converseCalls++;
    if (this.options.throttleConverse) {
      this.throttled++;
      return failure(
        429,
        'ThrottlingException',
        `Too many requests, please wait before trying again. (${modelId})`,
      );
    }
    const request = (body ?? {}) as {
      messages?: { role: string; content: { text?: string }[] }[];
      toolConfig?: { tools?: { toolSpec?: { name: string } }[] };
      requestMetadata?: Record<string, string>;
    };
    // Tokens are counted from what was sent, as the bill would be; the answer does not depend on the prose.
    const sentChars = (request.messages ?? [])
      .filter((message) => message.role === 'user')
      .flatMap((message) => message.content.map((block) => block.text ?? ''))
      .join('\n').length;
    const offered = new Set((request.toolConfig?.tools ?? []).flatMap((tool) => tool.toolSpec?.name ?? []));
    const content = ruleModelAnswer(request.requestMetadata, offered);
    const inputTokens = Math.ceil(sentChars / 4);
    return {
      status: 200,
      body: {
        output: { message: { role: 'assistant', content } },
        stopReason: 'tool_use',
        usage: { inputTokens, outputTokens: 40, totalTokens: inputTokens + 40 },
        metrics: { latencyMs: 1 },
      },
    };
  }
}
