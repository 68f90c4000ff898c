import { LocalEmbedder } from '../lambdas/adapters/local-embedder';
import { LocalReasoner } from '../lambdas/adapters/local-reasoner';
import { orderCancellationSpikeV1 } from '../lambdas/domain/contracts/platform';
import type { RestResponse } from './opensearch';

const ESCALATE_TOOL = 'escalate_to_operator';

interface ConverseBlock {
  text?: string;
  toolUse?: { toolUseId: string; name: string; input: unknown };
}

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
 * deterministic model — it reads the incident facts the planner sends (`Facts: {...}`) and calls the catalog
 * tool the local reasoner picks, or the escalation tool. The `llm-throttle` drill makes Converse answer
 * `ThrottlingException`, as Bedrock does under load.
 */
export class LocalBedrock {
  private readonly embedders = new Map<number, LocalEmbedder>();
  private readonly reasoner = new LocalReasoner();
  converseCalls = 0;
  throttled = 0;

  constructor(public options: { throttleConverse?: boolean } = {}) {}

  async handle(method: string, path: string, body: unknown): Promise<RestResponse & { errorType?: string }> {
    const match = /^\/model\/([^/]+)\/(invoke|converse)$/.exec(path.split('?')[0]!);
    if (method !== 'POST' || !match)
      return failure(404, 'UnknownOperationException', `no Bedrock operation at ${method} ${path}`);
    const modelId = decodeURIComponent(match[1]!);
    return match[2] === 'invoke' ? this.invoke(modelId, body) : this.converse(modelId, body);
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

  private async converse(modelId: string, body: unknown): Promise<RestResponse & { errorType?: string }> {
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
    };
    const text = (request.messages ?? [])
      .filter((m) => m.role === 'user')
      .flatMap((m) => m.content.map((c) => c.text ?? ''))
      .join('\n');
    const facts = /^Facts: (\{.*\})$/m.exec(text)?.[1];
    const tools = new Set((request.toolConfig?.tools ?? []).map((t) => t.toolSpec?.name));
    const content: ConverseBlock[] = [];
    let parsedFacts: unknown;
    try {
      parsedFacts = facts ? (JSON.parse(facts) as unknown) : undefined;
    } catch {
      parsedFacts = undefined;
    }
    const spike = orderCancellationSpikeV1.safeParse({
      schemaVersion: 1,
      incidentKey: (parsedFacts as { correlationId?: unknown } | undefined)?.correlationId,
      score: 0,
      ...(parsedFacts as object),
    });
    if (!spike.success) {
      content.push({
        toolUse: {
          toolUseId: 'call-1',
          name: ESCALATE_TOOL,
          input: { reason: 'the request carries no incident facts I can read' },
        },
      });
    } else {
      const draft = await this.reasoner.propose({
        incident: spike.data,
        description: text,
        evidence: [],
        catalog: [],
      });
      if (draft.rationale) content.push({ text: draft.rationale });
      draft.tasks.forEach((task, index) => {
        if (tools.has(task.taskType)) {
          content.push({
            toolUse: { toolUseId: `call-${index + 1}`, name: task.taskType, input: task.parameters },
          });
        }
      });
      if (draft.escalation || !content.some((c) => c.toolUse)) {
        content.push({
          toolUse: {
            toolUseId: 'call-escalate',
            name: ESCALATE_TOOL,
            input: { reason: draft.escalation ?? 'no tool fits' },
          },
        });
      }
    }
    return {
      status: 200,
      body: {
        output: { message: { role: 'assistant', content } },
        stopReason: 'tool_use',
        usage: {
          inputTokens: Math.ceil(text.length / 4),
          outputTokens: 40,
          totalTokens: Math.ceil(text.length / 4) + 40,
        },
        metrics: { latencyMs: 1 },
      },
    };
  }
}
