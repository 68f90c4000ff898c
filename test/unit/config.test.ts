import { z } from 'zod';
import {
  jsonVariable,
  numberOr,
  optionalText,
  parseConfig,
  requiredText,
  textOr,
} from '../../lambdas/handlers/shared/config';
import { memoryConfig, reasoningMemoryConfig } from '../../lambdas/handlers/shared/memory';

/** A function's configuration as the handlers declare it: tables, a JSON document, a number with a default. */
const schema = z.object({
  ORDERS_TABLE_NAME: requiredText,
  EVENT_BUS_NAME: requiredText,
  DETECTOR_CONFIG: jsonVariable(
    z.object({ windowMinutes: z.number().int().positive().default(5) }).prefault({}),
  ),
  MAX_RECEIVE_COUNT: numberOr(3, z.number().int().positive()),
  SEMANTIC_INDEX: textOr('semantic-memory'),
  GUARDRAIL_ID: optionalText,
});

const valid = { ORDERS_TABLE_NAME: 'Orders', EVENT_BUS_NAME: 'bus' };

/** The problems ConfigurationError lists for `environment`. */
function problemsOf(environment: Record<string, string | undefined>): readonly string[] {
  try {
    parseConfig(schema, environment);
  } catch (error) {
    if (error instanceof Error && error.name === 'ConfigurationError') {
      return (error as Error & { problems: readonly string[] }).problems;
    }
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseConfig (a function’s environment, checked once at cold start)', () => {
  it('gives the typed configuration, defaults filled in, when every variable is valid', () => {
    expect(
      parseConfig(schema, { ...valid, DETECTOR_CONFIG: '{"windowMinutes":10}', MAX_RECEIVE_COUNT: '5' }),
    ).toEqual({
      ORDERS_TABLE_NAME: 'Orders',
      EVENT_BUS_NAME: 'bus',
      DETECTOR_CONFIG: { windowMinutes: 10 },
      MAX_RECEIVE_COUNT: 5,
      SEMANTIC_INDEX: 'semantic-memory',
      GUARDRAIL_ID: undefined,
    });
  });

  it('treats an empty variable as left out: the default for optional ones, required for the others', () => {
    expect(
      parseConfig(schema, {
        ...valid,
        DETECTOR_CONFIG: '',
        MAX_RECEIVE_COUNT: '',
        SEMANTIC_INDEX: '',
        GUARDRAIL_ID: '',
      }),
    ).toMatchObject({
      DETECTOR_CONFIG: { windowMinutes: 5 },
      MAX_RECEIVE_COUNT: 3,
      SEMANTIC_INDEX: 'semantic-memory',
      GUARDRAIL_ID: undefined,
    });
    expect(problemsOf({ ...valid, ORDERS_TABLE_NAME: '' })).toEqual(['ORDERS_TABLE_NAME: required']);
  });

  it('fails on a missing required variable, naming it', () => {
    expect(problemsOf({ EVENT_BUS_NAME: 'bus' })).toEqual(['ORDERS_TABLE_NAME: required']);
  });

  it('fails on malformed JSON, naming the variable', () => {
    expect(problemsOf({ ...valid, DETECTOR_CONFIG: '{"windowMinutes": ' })).toEqual([
      'DETECTOR_CONFIG: not valid JSON',
    ]);
  });

  it('fails on a JSON value of the wrong type, naming the variable and the field inside it', () => {
    const problems = problemsOf({ ...valid, DETECTOR_CONFIG: '{"windowMinutes":"ten"}' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DETECTOR_CONFIG\.windowMinutes: .*expected number/);
  });

  it('fails on a number variable that is not a number, or out of its range', () => {
    expect(problemsOf({ ...valid, MAX_RECEIVE_COUNT: 'three' })).toEqual(['MAX_RECEIVE_COUNT: not a number']);
    expect(problemsOf({ ...valid, MAX_RECEIVE_COUNT: '0' })).toEqual([
      expect.stringMatching(/^MAX_RECEIVE_COUNT: Too small/),
    ]);
  });

  it('lists every failing variable at once, in one error', () => {
    const environment = { DETECTOR_CONFIG: 'not json', MAX_RECEIVE_COUNT: '2.5' };
    expect(() => parseConfig(schema, environment)).toThrow(
      expect.objectContaining({ name: 'ConfigurationError' }),
    );
    expect(problemsOf(environment)).toEqual([
      'ORDERS_TABLE_NAME: required',
      'EVENT_BUS_NAME: required',
      'DETECTOR_CONFIG: not valid JSON',
      expect.stringMatching(/^MAX_RECEIVE_COUNT: .*expected int/),
    ]);
  });

  it('never quotes a value in its message (a variable may hold a secret)', () => {
    const secret = 'sk-live-0123456789';
    expect(() => parseConfig(schema, { ...valid, DETECTOR_CONFIG: `{${secret}` })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) as unknown }),
    );
    expect(() => parseConfig(schema, { ...valid, MAX_RECEIVE_COUNT: secret })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secret) as unknown }),
    );
  });
});

describe('memoryConfig and reasoningMemoryConfig (the learning and planning agents)', () => {
  const memory = {
    AWS_REGION: 'us-east-1',
    EPISODIC_TABLE_NAME: 'Episodic',
    PROCEDURAL_TABLE_NAME: 'Procedural',
    SEMANTIC_ENDPOINT: 'https://collection.aoss.amazonaws.com',
    REASONER_MODEL_ID: 'anthropic.claude-haiku-4-5-20251001-v1:0',
  };
  const schema = reasoningMemoryConfig({ BUDGETS_TABLE_NAME: requiredText });

  it('fills in the defaults of a complete configuration', () => {
    expect(parseConfig(schema, { ...memory, BUDGETS_TABLE_NAME: 'Budgets' })).toMatchObject({
      SEMANTIC_INDEX: 'semantic-memory',
      EMBEDDING_DIMENSIONS: 1024,
      TEMPLATE_SIMILARITY_THRESHOLD: 0.85,
      BUDGETS_TABLE_NAME: 'Budgets',
    });
  });

  it('asks a function that only remembers (the learning agent) for no reasoner', () => {
    const { REASONER_MODEL_ID: _reasoner, ...stores } = memory;
    expect(parseConfig(memoryConfig({}), stores)).not.toHaveProperty('REASONER_MODEL_ID');
    expect(() => parseConfig(schema, { ...stores, BUDGETS_TABLE_NAME: 'Budgets' })).toThrow(
      'invalid configuration: REASONER_MODEL_ID: required',
    );
  });

  it('reports a guardrail without its version together with the other problems', () => {
    expect(() =>
      parseConfig(schema, {
        ...memory,
        TEMPLATE_SIMILARITY_THRESHOLD: '1.5',
        GUARDRAIL_ID: 'gr-1',
        GUARDRAIL_VERSION: '',
      }),
    ).toThrow(
      'invalid configuration: ' +
        [
          'TEMPLATE_SIMILARITY_THRESHOLD: must be in (0, 1]',
          'BUDGETS_TABLE_NAME: required',
          'GUARDRAIL_VERSION: required when GUARDRAIL_ID is set',
        ].join('; '),
    );
  });
});

describe('a handler’s configuration at cold start', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  /** Loads the monitoring agent's module afresh with `environment`, as Lambda does at cold start. */
  const coldStart = (environment: Record<string, string>) => {
    process.env = { ...saved, POWERTOOLS_TRACE_ENABLED: 'false', AWS_REGION: 'us-east-1', ...environment };
    for (const name of [
      'COUNTERS_TABLE_NAME',
      'IDEMPOTENCY_TABLE_NAME',
      'EVENT_BUS_NAME',
      'DEAD_LETTER_QUEUE_URL',
    ])
      // Unsetting a variable: process.env is the environment, not a record to replace.
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
      if (!(name in environment)) delete process.env[name];
    jest.isolateModules(() => {
      jest.requireActual('../../lambdas/handlers/monitoring-agent');
    });
  };

  it('refuses to start the monitoring agent, naming every missing or malformed variable', () => {
    expect(() =>
      coldStart({ COUNTERS_TABLE_NAME: 'Counters', DETECTOR_CONFIG: '{"windowMinutes":7}' }),
    ).toThrow(
      expect.objectContaining({
        name: 'ConfigurationError',
        problems: [
          'IDEMPOTENCY_TABLE_NAME: required',
          'DETECTOR_CONFIG.windowMinutes: expected a positive integer dividing 1440',
          'EVENT_BUS_NAME: required',
          'DEAD_LETTER_QUEUE_URL: required',
        ],
      }),
    );
  });

  it('starts it when its configuration is complete', () => {
    expect(() =>
      coldStart({
        COUNTERS_TABLE_NAME: 'Counters',
        IDEMPOTENCY_TABLE_NAME: 'Idempotency',
        EVENT_BUS_NAME: 'bus',
        DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/monitoring-dlq',
      }),
    ).not.toThrow();
  });
});
