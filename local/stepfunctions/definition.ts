import '../polyfills';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { InvalidDefinition } from './errors';
import { isJsonObject, tryParseJson, type Json, type JsonObject } from './json';

/** Node timers overflow above 2^31-1 ms and fire at once: the interpreter's own task timer stays below that. */
export const ENGINE_MAX_TIMEOUT_SECONDS = 2_147_483;
/** AWS's TimeoutSeconds for a Task that sets none (aws-local-stepfunctions would use 60). */
export const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = 99_999_999;
/** The resource a Wait state becomes, so that it waits on the virtual clock instead of a wall-clock sleep. */
const VIRTUAL_WAIT_RESOURCE = 'arn:aws:states:::sandbox:wait';
/**
 * aws-local-stepfunctions overwrites `$$.Execution.StartTime` with the wall clock; references to it are rewritten
 * to this field, which the sandbox fills with the virtual start time.
 */
export const VIRTUAL_START_TIME_FIELD = 'SandboxStartTime';

/** Keys the normaliser adds to a state's Parameters; the handler takes them out before the service call. */
export const INJECTED = {
  input: '__sandbox_input',
  timeoutSeconds: '__sandbox_timeoutSeconds',
  heartbeatSeconds: '__sandbox_heartbeatSeconds',
  waitSeconds: '__sandbox_waitSeconds',
  waitUntil: '__sandbox_waitUntil',
} as const;

export type DynamoDbOperation = 'putItem' | 'getItem' | 'updateItem' | 'deleteItem';

/** What the sandbox does for a Task state (or a Wait state it runs as a task). */
type Integration =
  | { readonly kind: 'lambda:invoke' }
  | { readonly kind: 'lambda:function' }
  | { readonly kind: 'events:putEvents' }
  | { readonly kind: 'dynamodb'; readonly operation: DynamoDbOperation }
  | { readonly kind: 'states:startExecution' }
  | { readonly kind: 'cloudwatch:putMetricData' }
  | { readonly kind: 'wait' }
  | { readonly kind: 'unsupported'; readonly reason: string };

export interface TaskSpec {
  readonly stateName: string;
  /** The Resource as written in the definition. */
  readonly resource: string;
  readonly integration: Integration;
  /** `.waitForTaskToken`: the task waits for SendTaskSuccess / SendTaskFailure. */
  readonly waitForTaskToken: boolean;
  /** The history's `resourceType` (`lambda`) and `resource` (`invoke.waitForTaskToken`). */
  readonly resourceType: string;
  readonly resourceName: string;
  /** The state's Retry as the engine has it (`States.HeartbeatTimeout` added where `States.Timeout` is named). */
  readonly retry?: readonly JsonObject[];
  /** Static TimeoutSeconds / HeartbeatSeconds; the `*Path` variants arrive in the injected Parameters. */
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
  /** The state had no Parameters: the injected `__sandbox_input` carries its effective input. */
  readonly wrapsInput: boolean;
}

export interface NormalizedDefinition {
  /** The definition aws-local-stepfunctions runs. */
  readonly engineDefinition: StateMachineDefinition;
  /** Every Task state (nested ones included) and every Wait state, by name. */
  readonly tasks: ReadonlyMap<string, TaskSpec>;
  /** The original definition of every state, by name (ASL state names are unique machine-wide). */
  readonly states: ReadonlyMap<string, JsonObject>;
  /** States with a Retry field: their retries pause on no wall clock. */
  readonly retryingStates: readonly string[];
  /** The machine-wide TimeoutSeconds, enforced on the virtual clock. */
  readonly timeoutSeconds?: number;
}

const DYNAMODB_OPERATIONS: readonly string[] = ['putItem', 'getItem', 'updateItem', 'deleteItem'];
const SERVICE_RESOURCE =
  /^arn:aws[a-z-]*:states:::([a-z0-9-]+):([A-Za-z]+)(\.waitForTaskToken|\.sync(?::2)?)?$/;
/** `arn:aws:states:::aws-sdk:<service>:<action>`: the AWS SDK integrations. */
const SDK_RESOURCE = /^arn:aws[a-z-]*:states:::aws-sdk:([a-z0-9]+):([A-Za-z]+)(\.waitForTaskToken)?$/;
const FUNCTION_RESOURCE =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;

/**
 * Validates an ASL definition (substitutions applied) and rewrites it for aws-local-stepfunctions so that the
 * sandbox, not the interpreter's wall-clock timers, owns time:
 * - Task states lose TimeoutSeconds(Path)/HeartbeatSeconds(Path); the interpreter gets a timeout it never reaches
 *   first (token tasks, path timeouts) or the static one clamped below Node's timer overflow (request-response
 *   tasks, which measure real work). `*Path` values are injected into Parameters, where they are evaluated against
 *   the state input as on AWS (the interpreter would evaluate them against the Parameters output).
 * - A token task with HeartbeatSeconds gets `States.HeartbeatTimeout` beside every `States.Timeout` matcher, since
 *   on AWS a heartbeat timeout is also a `States.Timeout`.
 * - Wait states become tasks the sandbox resolves on the virtual clock.
 * - The machine's TimeoutSeconds is removed (the sandbox enforces it on the virtual clock).
 */
export function normalizeDefinition(definition: string): NormalizedDefinition {
  let normalized = normalizedByText.get(definition);
  if (!normalized) {
    normalized = normalize(definition);
    normalizedByText.set(definition, normalized);
  }
  return normalized;
}

/** asl-validator takes 100–400 ms per definition; the sandbox and its tests create the same machines repeatedly. */
const normalizedByText = new Map<string, NormalizedDefinition>();

function normalize(definition: string): NormalizedDefinition {
  const parsed = tryParseJson(definition);
  if (!isJsonObject(parsed) || !isJsonObject(parsed.States)) {
    throw new InvalidDefinition('The definition must be a JSON object with States.');
  }
  try {
    new StateMachine(parsed as unknown as StateMachineDefinition);
  } catch (error) {
    throw new InvalidDefinition(error instanceof Error ? error.message : String(error));
  }

  const tasks = new Map<string, TaskSpec>();
  const states = new Map<string, JsonObject>();
  const retryingStates: string[] = [];
  const walk = (machine: JsonObject): JsonObject => {
    const source = machine.States;
    if (!isJsonObject(source)) throw new InvalidDefinition('Every state machine and branch needs States.');
    const engineStates: JsonObject = {};
    for (const [name, state] of Object.entries(source)) {
      if (!isJsonObject(state)) throw new InvalidDefinition(`State '${name}' is not an object.`);
      if (states.has(name)) throw new InvalidDefinition(`State name '${name}' is used more than once.`);
      states.set(name, state);
      if (Array.isArray(state.Retry)) retryingStates.push(name);
      engineStates[name] = normalizeState(name, state, tasks, walk);
    }
    return { ...machine, States: engineStates };
  };

  const engine = walk(parsed);
  delete engine.TimeoutSeconds;
  const rewritten = JSON.stringify(engine).replace(
    /\$\$\.Execution\.StartTime\b/g,
    `$$$$.Execution.${VIRTUAL_START_TIME_FIELD}`,
  );
  const timeoutSeconds = typeof parsed.TimeoutSeconds === 'number' ? parsed.TimeoutSeconds : undefined;
  return {
    engineDefinition: JSON.parse(rewritten) as StateMachineDefinition,
    tasks,
    states,
    retryingStates,
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
  };
}

function normalizeState(
  name: string,
  state: JsonObject,
  tasks: Map<string, TaskSpec>,
  walk: (machine: JsonObject) => JsonObject,
): JsonObject {
  switch (state.Type) {
    case 'Task':
      return normalizeTask(name, state, tasks);
    case 'Wait':
      return waitAsTask(name, state, tasks);
    case 'Parallel':
      return { ...state, Branches: asArray(state.Branches).map((branch) => walk(asObject(branch, name))) };
    case 'Map': {
      const key = state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator';
      return { ...state, [key]: walk(asObject(state[key], name)) };
    }
    default:
      return state;
  }
}

function normalizeTask(name: string, state: JsonObject, tasks: Map<string, TaskSpec>): JsonObject {
  const resource = typeof state.Resource === 'string' ? state.Resource : '';
  const classified = classifyResource(resource);
  const engine: JsonObject = { ...state };
  delete engine.TimeoutSeconds;
  delete engine.TimeoutSecondsPath;
  delete engine.HeartbeatSeconds;
  delete engine.HeartbeatSecondsPath;

  const timeoutPath = typeof state.TimeoutSecondsPath === 'string' ? state.TimeoutSecondsPath : undefined;
  // Heartbeats come with callbacks; a request-response task has nobody to send them.
  const heartbeatPath =
    classified.waitForTaskToken && typeof state.HeartbeatSecondsPath === 'string'
      ? state.HeartbeatSecondsPath
      : undefined;
  const injected: JsonObject = {};
  if (timeoutPath !== undefined) injected[`${INJECTED.timeoutSeconds}.$`] = timeoutPath;
  if (heartbeatPath !== undefined) injected[`${INJECTED.heartbeatSeconds}.$`] = heartbeatPath;
  const wrapsInput = Object.keys(injected).length > 0 && state.Parameters === undefined;
  if (Object.keys(injected).length > 0) {
    if (wrapsInput) {
      engine.Parameters = { [`${INJECTED.input}.$`]: '$', ...injected };
    } else if (isJsonObject(state.Parameters)) {
      engine.Parameters = { ...state.Parameters, ...injected };
    } else {
      throw new InvalidDefinition(`State '${name}': TimeoutSecondsPath needs Parameters to be an object.`);
    }
  }

  const staticTimeout = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined;
  const staticHeartbeat =
    classified.waitForTaskToken && typeof state.HeartbeatSeconds === 'number'
      ? state.HeartbeatSeconds
      : undefined;
  const sandboxTimed = classified.waitForTaskToken || timeoutPath !== undefined;
  engine.TimeoutSeconds = sandboxTimed
    ? ENGINE_MAX_TIMEOUT_SECONDS
    : Math.min(staticTimeout ?? AWS_DEFAULT_TASK_TIMEOUT_SECONDS, ENGINE_MAX_TIMEOUT_SECONDS);
  if (staticHeartbeat !== undefined || heartbeatPath !== undefined) {
    if (Array.isArray(state.Retry)) engine.Retry = state.Retry.map(withHeartbeatTimeout);
    if (Array.isArray(state.Catch)) engine.Catch = state.Catch.map(withHeartbeatTimeout);
  }

  const retry = Array.isArray(engine.Retry) ? engine.Retry.filter(isJsonObject) : undefined;
  tasks.set(name, {
    stateName: name,
    resource,
    ...classified,
    ...(retry === undefined ? {} : { retry }),
    ...(staticTimeout === undefined ? {} : { timeoutSeconds: staticTimeout }),
    ...(staticHeartbeat === undefined ? {} : { heartbeatSeconds: staticHeartbeat }),
    wrapsInput,
  });
  return engine;
}

function waitAsTask(name: string, state: JsonObject, tasks: Map<string, TaskSpec>): JsonObject {
  const parameters: JsonObject = { [`${INJECTED.input}.$`]: '$' };
  if (state.Seconds !== undefined) parameters[INJECTED.waitSeconds] = state.Seconds;
  if (state.SecondsPath !== undefined) parameters[`${INJECTED.waitSeconds}.$`] = state.SecondsPath;
  if (state.Timestamp !== undefined) parameters[INJECTED.waitUntil] = state.Timestamp;
  if (state.TimestampPath !== undefined) parameters[`${INJECTED.waitUntil}.$`] = state.TimestampPath;
  const engine: JsonObject = {
    Type: 'Task',
    Resource: VIRTUAL_WAIT_RESOURCE,
    Parameters: parameters,
    TimeoutSeconds: ENGINE_MAX_TIMEOUT_SECONDS,
  };
  for (const key of ['Comment', 'InputPath', 'OutputPath', 'Next', 'End']) {
    const value = state[key];
    if (value !== undefined) engine[key] = value;
  }
  tasks.set(name, {
    stateName: name,
    resource: VIRTUAL_WAIT_RESOURCE,
    integration: { kind: 'wait' },
    waitForTaskToken: false,
    resourceType: 'sandbox',
    resourceName: 'wait',
    wrapsInput: true,
  });
  return engine;
}

type Classified = Pick<TaskSpec, 'integration' | 'waitForTaskToken' | 'resourceType' | 'resourceName'>;

function classifyResource(resource: string): Classified {
  const sdk = SDK_RESOURCE.exec(resource);
  if (sdk) {
    const [, serviceName = '', action = '', pattern = ''] = sdk;
    const base = {
      waitForTaskToken: false,
      resourceType: 'aws-sdk',
      resourceName: `${serviceName}:${action}`,
    };
    if (serviceName === 'cloudwatch' && action === 'putMetricData' && pattern === '')
      return { ...base, integration: { kind: 'cloudwatch:putMetricData' } };
    return { ...base, integration: unsupported(resource, 'no stand-in for this AWS SDK integration') };
  }
  const service = SERVICE_RESOURCE.exec(resource);
  if (service) {
    const [, serviceName = '', action = '', pattern = ''] = service;
    const waitForTaskToken = pattern === '.waitForTaskToken';
    const base = { waitForTaskToken, resourceType: serviceName, resourceName: `${action}${pattern}` };
    if (pattern.startsWith('.sync')) {
      return {
        ...base,
        integration: unsupported(resource, 'the .sync pattern is not supported by the sandbox'),
      };
    }
    if (serviceName === 'lambda' && action === 'invoke')
      return { ...base, integration: { kind: 'lambda:invoke' } };
    if (serviceName === 'events' && action === 'putEvents') {
      return { ...base, integration: { kind: 'events:putEvents' } };
    }
    if (serviceName === 'states' && action === 'startExecution' && !waitForTaskToken) {
      return { ...base, integration: { kind: 'states:startExecution' } };
    }
    if (serviceName === 'dynamodb' && DYNAMODB_OPERATIONS.includes(action) && !waitForTaskToken) {
      return { ...base, integration: { kind: 'dynamodb', operation: action as DynamoDbOperation } };
    }
    return { ...base, integration: unsupported(resource, 'no stand-in for this service integration') };
  }
  if (FUNCTION_RESOURCE.test(resource)) {
    return {
      integration: { kind: 'lambda:function' },
      waitForTaskToken: false,
      resourceType: 'lambda',
      resourceName: resource,
    };
  }
  return {
    integration: unsupported(resource, 'activities and other resources have no stand-in'),
    waitForTaskToken: false,
    resourceType: 'unknown',
    resourceName: resource,
  };
}

function unsupported(resource: string, why: string): Integration {
  return { kind: 'unsupported', reason: `The sandbox cannot run Task resource '${resource}': ${why}.` };
}

function withHeartbeatTimeout(entry: Json): Json {
  if (!isJsonObject(entry) || !Array.isArray(entry.ErrorEquals)) return entry;
  const errors = entry.ErrorEquals;
  if (!errors.includes('States.Timeout') || errors.includes('States.HeartbeatTimeout')) return entry;
  return { ...entry, ErrorEquals: [...errors, 'States.HeartbeatTimeout'] };
}

function asArray(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

function asObject(value: Json | undefined, stateName: string): JsonObject {
  if (!isJsonObject(value))
    throw new InvalidDefinition(`State '${stateName}' has a malformed nested machine.`);
  return value;
}
