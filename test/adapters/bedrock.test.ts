import { spikeFixture } from '../events/fixtures';
import {
  AccessDeniedException,
  BedrockRuntimeClient,
  ConverseCommand,
  InvokeModelCommand,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
  type ContentBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { BedrockEmbedder } from '../../lambdas/adapters/bedrock-embedder';
import { BedrockReasoner } from '../../lambdas/adapters/bedrock-reasoner';

import { DimensionMismatch } from '../../lambdas/domain/memory/errors';
import { incidentFeatures } from '../../lambdas/domain/memory/incident-features';
import type { ReasoningRequest } from '../../lambdas/domain/memory/reasoner';
import { ReasonerUnavailable } from '../../lambdas/domain/planning/errors';
import { catalogTools } from '../../lambdas/domain/planning/task-catalog';

/** The tool the model calls when no task fits (its wire name: the sandbox's Bedrock answers with it too). */
const ESCALATE_TOOL = 'escalate_to_operator';
const spike = () => spikeFixture();

/** An InvokeModel response body as the SDK hands it over: bytes of JSON. */
const jsonBody = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as never;

const bedrock = mockClient(BedrockRuntimeClient);
beforeEach(() => bedrock.reset());

describe('BedrockEmbedder', () => {
  it('asks Titan Text Embeddings v2 for a normalised vector of the configured size, one InvokeModel per text', async () => {
    const embedder = new BedrockEmbedder({ dimensions: 256, client: new BedrockRuntimeClient({}) });
    bedrock.on(InvokeModelCommand).resolves({
      body: jsonBody({
        embedding: Array.from({ length: 256 }, (_, i) => (i === 0 ? 1 : 0)),
        inputTextTokenCount: 9,
      }),
    });
    const features = incidentFeatures(spike(), { region: 'us-east' });

    const vectors = await embedder.embed(['cancellations at WH-NYC', features]);

    const calls = bedrock.commandCalls(InvokeModelCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => [input.modelId, input.contentType, input.accept])).toEqual([
      ['amazon.titan-embed-text-v2:0', 'application/json', 'application/json'],
      ['amazon.titan-embed-text-v2:0', 'application/json', 'application/json'],
    ]);
    expect(calls.map((input): unknown => JSON.parse(input.body as string))).toEqual([
      { inputText: 'cancellations at WH-NYC', dimensions: 256, normalize: true },
      { inputText: features.text, dimensions: 256, normalize: true },
    ]);
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toHaveLength(256);
    expect(embedder.model).toBe('amazon.titan-embed-text-v2:0/256');
  });

  it('fails when the model answers with a vector of another size', async () => {
    bedrock.on(InvokeModelCommand).resolves({ body: jsonBody({ embedding: [1, 0, 0] }) });

    await expect(
      new BedrockEmbedder({ dimensions: 512, client: new BedrockRuntimeClient({}) }).embed(['x']),
    ).rejects.toThrow(DimensionMismatch);
  });

  it('cuts a text Titan refuses for its token count in proportion, and embeds the head of it', async () => {
    const refusal = (count: number) =>
      new ValidationException({
        $metadata: {},
        message: `400 Bad Request: Too many input tokens. Max input tokens: 8192, request input token count: ${count}`,
      });
    const text = '4f2a9c '.repeat(10_000); // 70,000 characters of ids: more tokens than characters allow for
    bedrock
      .on(InvokeModelCommand)
      .rejectsOnce(refusal(20_000))
      .rejectsOnce(refusal(9_000))
      .resolves({ body: jsonBody({ embedding: [1, 0, 0, ...Array<number>(253).fill(0)] }) });

    const [vector] = await new BedrockEmbedder({
      dimensions: 256,
      client: new BedrockRuntimeClient({}),
    }).embed([text]);

    const sent = bedrock
      .commandCalls(InvokeModelCommand)
      .map((call) => (JSON.parse(call.args[0].input.body as string) as { inputText: string }).inputText);
    // 50,000 characters, then × 0.9 · 8192 / 20,000, then × 0.9 · 8192 / 9,000: each a head of the text.
    expect(sent.map((t) => t.length)).toEqual([50_000, 18_432, 15_099]);
    expect(sent.every((t) => text.startsWith(t))).toBe(true);
    expect(vector).toHaveLength(256);
  });

  it('gives up after three shorter texts, and never retries another ValidationException', async () => {
    const tooMany = new ValidationException({ $metadata: {}, message: 'Too many input tokens' });
    bedrock.on(InvokeModelCommand).rejects(tooMany);
    const embedder = new BedrockEmbedder({ dimensions: 256, client: new BedrockRuntimeClient({}) });
    await expect(embedder.embed(['x'.repeat(1_000)])).rejects.toThrow('Too many input tokens');
    expect(
      bedrock
        .commandCalls(InvokeModelCommand)
        .map(
          (call) => (JSON.parse(call.args[0].input.body as string) as { inputText: string }).inputText.length,
        ),
    ).toEqual([1_000, 500, 250, 125]);

    bedrock.reset();
    bedrock
      .on(InvokeModelCommand)
      .rejects(new ValidationException({ $metadata: {}, message: 'Malformed input request' }));
    await expect(embedder.embed(['y'])).rejects.toThrow('Malformed input request');
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(1);
  });

  it('never cuts a text inside a surrogate pair', async () => {
    bedrock.on(InvokeModelCommand).resolves({ body: jsonBody({ embedding: Array<number>(256).fill(0) }) });
    const text = `${'a'.repeat(49_999)}😀 and more`;
    await new BedrockEmbedder({ dimensions: 256, client: new BedrockRuntimeClient({}) }).embed([text]);
    const [call] = bedrock.commandCalls(InvokeModelCommand);
    expect((JSON.parse(call!.args[0].input.body as string) as { inputText: string }).inputText).toBe(
      'a'.repeat(49_999),
    );
  });

  it('refuses a dimension Titan v2 does not offer, quoting it', () => {
    expect(() => new BedrockEmbedder({ dimensions: 300 })).toThrow(
      'dimensions must be one of 256, 512, 1024, got 300',
    );
  });
});

describe('BedrockReasoner', () => {
  const request = (): ReasoningRequest => ({
    incident: spike(),
    description: incidentFeatures(spike()).text,
    evidence: [
      'cancellations concentrate at warehouse WH-NYC (9.4× its baseline)',
      '4 similar past incidents (semantic memory)',
    ],
    catalog: catalogTools,
  });

  const reply = (content: ContentBlock[]) => ({
    output: { message: { role: 'assistant' as const, content } },
    stopReason: 'tool_use' as const,
    usage: { inputTokens: 10, outputTokens: 10, totalTokens: 20 },
    metrics: { latencyMs: 5 },
  });

  const reroute = (input: Record<string, unknown>, toolUseId = 'tooluse-1'): ContentBlock => ({
    toolUse: { toolUseId, name: 'reroute_orders', input: input as never },
  });

  it("tags each call with its incident's facts as request metadata, leaving out a value Bedrock would refuse", async () => {
    bedrock.on(ConverseCommand).resolves(reply([{ text: 'no plan' }]));
    const reasoner = new BedrockReasoner({
      modelId: 'anthropic.claude-test',
      client: new BedrockRuntimeClient({}),
    });
    const region = {
      ...spike(),
      scope: { type: 'region' as const, id: 'us-east' },
      contributors: [
        { warehouseId: 'WH-NYC', cancelled: 9, expectedCancelled: 1 },
        { warehouseId: 'WH-BOS', cancelled: 4, expectedCancelled: 1 },
      ],
    };

    await reasoner.propose({ ...request(), incident: region });
    await reasoner.propose({
      ...request(),
      incident: { ...spike(), scope: { type: 'warehouse', id: 'WH "north"' } },
    });

    const [tagged, refused] = bedrock.commandCalls(ConverseCommand).map((call) => call.args[0].input);
    expect(tagged?.requestMetadata).toEqual({
      correlationId: region.correlationId,
      scopeType: 'region',
      scopeId: 'us-east',
      windowStart: region.window.start,
      windowEnd: region.window.end,
      contributors: 'WH-NYC,WH-BOS',
    });
    expect(refused?.requestMetadata).not.toHaveProperty('scopeId');
    expect(refused?.requestMetadata).toMatchObject({ scopeType: 'warehouse' });
  });

  it('offers the task catalog as tools, each with the JSON Schema of its parameters, and requires a tool call', async () => {
    bedrock
      .on(ConverseCommand)
      .resolves(reply([reroute({ fromWarehouseId: 'WH-NYC', since: '2026-11-20T08:35:00.000Z' })]));
    const reasoner = new BedrockReasoner({
      modelId: 'anthropic.claude-test',
      client: new BedrockRuntimeClient({}),
    });

    await reasoner.propose(request());

    const input = bedrock.commandCalls(ConverseCommand)[0]!.args[0].input;
    expect(input.modelId).toBe('anthropic.claude-test');
    expect(input.toolConfig?.toolChoice).toEqual({ any: {} });
    // The whole catalog, in its order, then the escalation tool.
    expect(input.toolConfig?.tools?.map((tool) => tool.toolSpec?.name)).toEqual([
      ...catalogTools.map((tool) => tool.name),
      ESCALATE_TOOL,
    ]);
    expect(input.toolConfig?.tools?.find((tool) => tool.toolSpec?.name === 'notify_customers')).toMatchObject(
      {
        toolSpec: { description: expect.stringMatching(/irreversible: nothing undoes it\.$/) },
      },
    );
    expect(
      input.toolConfig?.tools?.filter((tool) =>
        ['reroute_orders', 'rebalance_region', ESCALATE_TOOL].includes(tool.toolSpec?.name ?? ''),
      ),
    ).toEqual([
      {
        toolSpec: {
          name: 'reroute_orders',
          description: expect.stringContaining('Move the open orders of a failing warehouse'),
          inputSchema: {
            json: {
              type: 'object',
              properties: {
                fromWarehouseId: { type: 'string', minLength: 1, description: expect.any(String) },
                since: { type: 'string', format: 'date-time', description: expect.any(String) },
              },
              required: ['fromWarehouseId', 'since'],
            },
          },
        },
      },
      {
        toolSpec: {
          name: 'rebalance_region',
          description: expect.stringContaining("Move a customer region's open orders"),
          inputSchema: {
            json: expect.objectContaining({ required: ['region', 'fromWarehouseIds', 'since'] }),
          },
        },
      },
      {
        toolSpec: {
          name: ESCALATE_TOOL,
          description: expect.any(String),
          inputSchema: { json: expect.objectContaining({ required: ['reason'] }) },
        },
      },
    ]);
    expect(input.messages).toHaveLength(1);
    const prompt = input.messages![0]!.content![0]!.text!;
    expect(prompt).toContain(request().description);
    expect(prompt).toContain('- cancellations concentrate at warehouse WH-NYC (9.4× its baseline)');
    expect(input.inferenceConfig).toEqual({ maxTokens: 1024, temperature: 0 });
  });

  it('turns tool calls into draft tasks and text into the rationale', async () => {
    bedrock
      .on(ConverseCommand)
      .resolves(
        reply([
          { text: 'Rerouting resolved similar incidents.' },
          reroute({ fromWarehouseId: 'WH-NYC', since: '2026-11-20T08:35:00.000Z' }, 'tooluse-7'),
        ]),
      );

    const draft = await new BedrockReasoner({ modelId: 'm', client: new BedrockRuntimeClient({}) }).propose(
      request(),
    );

    expect(draft).toEqual({
      tasks: [
        {
          taskType: 'reroute_orders',
          parameters: { fromWarehouseId: 'WH-NYC', since: '2026-11-20T08:35:00.000Z' },
          callId: 'tooluse-7',
        },
      ],
      rationale: 'Rerouting resolved similar incidents.',
      // What the call used, as Bedrock reported it: the budget ledger charges it.
      usage: { modelId: 'm', inputTokens: 10, outputTokens: 10 },
      // What was sent and the raw answer, for the decision trace (a tool call's name as `tool`).
      exchange: {
        system: expect.stringContaining('You are the planning agent'),
        messages: [
          { role: 'user', content: [{ type: 'text', text: expect.stringContaining(request().description) }] },
        ],
        tools: [...catalogTools.map((tool) => tool.name), ESCALATE_TOOL],
        output: [
          { type: 'text', text: 'Rerouting resolved similar incidents.' },
          {
            type: 'tool_use',
            id: 'tooluse-7',
            tool: 'reroute_orders',
            input: { fromWarehouseId: 'WH-NYC', since: '2026-11-20T08:35:00.000Z' },
          },
        ],
        stopReason: 'tool_use',
        latencyMs: 5,
      },
    });
  });

  it('applies the configured guardrail to every Converse call, and none without one', async () => {
    bedrock.on(ConverseCommand).resolves(reply([{ text: 'no plan' }]));

    await new BedrockReasoner({
      modelId: 'm',
      client: new BedrockRuntimeClient({}),
      guardrail: { identifier: 'gr-123', version: '2' },
    }).propose(request());
    await new BedrockReasoner({ modelId: 'm', client: new BedrockRuntimeClient({}) }).propose(request());

    const [guarded, plain] = bedrock.commandCalls(ConverseCommand).map((call) => call.args[0].input);
    expect(guarded?.guardrailConfig).toEqual({ guardrailIdentifier: 'gr-123', guardrailVersion: '2' });
    expect(plain?.guardrailConfig).toBeUndefined();
  });

  it('reports an escalation when the model calls the escalation tool', async () => {
    bedrock
      .on(ConverseCommand)
      .resolves(
        reply([
          { toolUse: { toolUseId: 't', name: ESCALATE_TOOL, input: { reason: 'a region-wide outage' } } },
        ]),
      );

    const draft = await new BedrockReasoner({ modelId: 'm', client: new BedrockRuntimeClient({}) }).propose(
      request(),
    );

    expect(draft).toEqual({
      tasks: [],
      escalation: 'a region-wide outage',
      usage: { modelId: 'm', inputTokens: 10, outputTokens: 10 },
      exchange: expect.objectContaining({
        output: [
          { type: 'tool_use', id: 't', tool: ESCALATE_TOOL, input: { reason: 'a region-wide outage' } },
        ],
      }),
    });
  });

  it('on the retry replays the rejected tool calls and answers each with the validation error', async () => {
    bedrock
      .on(ConverseCommand)
      .resolves(reply([reroute({ fromWarehouseId: 'WH-NYC', since: '2026-11-20T08:35:00.000Z' })]));
    const rejected = {
      draft: {
        tasks: [
          {
            taskType: 'reroute_orders',
            parameters: { fromWarehouseId: 'WH-BOS', since: 'yesterday' },
            callId: 'tooluse-1',
          },
        ],
        rationale: 'Move the orders.',
      },
      error: 'task 1 (reroute_orders): parameters.since: Invalid ISO datetime',
    };

    const draft = await new BedrockReasoner({ modelId: 'm', client: new BedrockRuntimeClient({}) }).propose({
      ...request(),
      rejected,
    });

    const { messages } = bedrock.commandCalls(ConverseCommand)[0]!.args[0].input;
    expect(messages?.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages![1]!.content).toEqual([
      { text: 'Move the orders.' },
      {
        toolUse: {
          toolUseId: 'tooluse-1',
          name: 'reroute_orders',
          input: { fromWarehouseId: 'WH-BOS', since: 'yesterday' },
        },
      },
    ]);
    expect(messages![2]!.content).toEqual([
      {
        toolResult: {
          toolUseId: 'tooluse-1',
          status: 'error',
          content: [{ text: expect.stringContaining(rejected.error) }],
        },
      },
      { text: expect.stringContaining(`Your plan was rejected by the task catalog: ${rejected.error}`) },
    ]);
    // The decision trace keeps the whole conversation sent, the correction included.
    expect(draft.exchange?.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Move the orders.' },
          {
            type: 'tool_use',
            id: 'tooluse-1',
            tool: 'reroute_orders',
            input: { fromWarehouseId: 'WH-BOS', since: 'yesterday' },
          },
        ],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            id: 'tooluse-1',
            status: 'error',
            text: expect.stringContaining(rejected.error),
          },
          { type: 'text', text: expect.stringContaining('Your plan was rejected by the task catalog') },
        ],
      },
    ]);
  });

  it('raises ReasonerUnavailable when Bedrock throttles, keeping the cause', async () => {
    const throttled = new ThrottlingException({ message: 'Too many requests', $metadata: {} });
    bedrock.on(ConverseCommand).rejects(throttled);

    const proposal = new BedrockReasoner({ modelId: 'm', client: new BedrockRuntimeClient({}) }).propose(
      request(),
    );

    await expect(proposal).rejects.toThrow(ReasonerUnavailable);
    await expect(proposal).rejects.toMatchObject({ cause: throttled });
  });

  it.each([
    [
      'a retired model',
      new ResourceNotFoundException({
        message: 'This model version has reached the end of its life.',
        $metadata: {},
      }),
    ],
    [
      'an invalid model id',
      new ValidationException({ message: 'The provided model identifier is invalid.', $metadata: {} }),
    ],
    [
      'a model not enabled, or a profile the role may not call',
      new AccessDeniedException({
        message: "You don't have access to the model with the specified model ID.",
        $metadata: {},
      }),
    ],
  ])(
    'raises ReasonerUnavailable for %s, naming the error, so planning falls back to its rule',
    async (_, error) => {
      bedrock.on(ConverseCommand).rejects(error);

      const proposal = new BedrockReasoner({
        modelId: 'global.anthropic.claude-haiku-4-5-20251001-v1:0',
        client: new BedrockRuntimeClient({}),
      }).propose(request());

      await expect(proposal).rejects.toThrow(ReasonerUnavailable);
      await expect(proposal).rejects.toThrow(
        `Bedrock global.anthropic.claude-haiku-4-5-20251001-v1:0 refused Converse: ${error.name}: ${error.message}`,
      );
    },
  );

  it('lets an error that is not a Bedrock answer (a bug, the network) propagate as it is, to be retried', async () => {
    bedrock.on(ConverseCommand).rejects(new TypeError('fetch failed'));

    await expect(
      new BedrockReasoner({ modelId: 'm', client: new BedrockRuntimeClient({}) }).propose(request()),
    ).rejects.toThrow(TypeError);
  });
});
