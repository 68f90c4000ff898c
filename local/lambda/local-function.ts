import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  LAMBDA_ASYNC_REQUEST_MAX_BYTES,
  LAMBDA_ENVIRONMENT_MAX_BYTES,
  LAMBDA_SYNC_REQUEST_MAX_BYTES,
  LAMBDA_SYNC_RESPONSE_MAX_BYTES,
  jsonBytes,
} from '../limits';
import type { FunctionTracing, IncomingTrace } from '../xray/lambda-segments';

export interface FunctionConfig {
  readonly functionName: string;
  readonly functionArn: string;
  readonly codeDir: string;
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly environment: Record<string, string>;
  /** Fault drill `slow-consumer`: extra time spent per record. @default 0 */
  readonly latencyPerRecordMs?: number;
  /**
   * Fault drill `lambda-timeout`: every other invocation hangs after doing its work, until the timeout kills it
   * (after `hangTimeoutSeconds` of wall time, so the drill does not wait the whole configured timeout; the error
   * still names the configured one). Invocations that do not hang keep the configured timeout.
   */
  readonly hangEveryOther?: boolean;
  readonly hangTimeoutSeconds?: number;
  /** Where V8's code cache of the bundle is kept (worker.cjs). @default - the clone's node_modules/.cache */
  readonly codeCacheDir?: string;
}

/** How a function is invoked: synchronously (an SQS event source mapping, Step Functions) or as an event (EventBridge). */
export type InvocationType = 'RequestResponse' | 'Event';

/** Lambda's Invoke API refused the request (the function never ran), named for the AWS error code. */
export class LambdaApiError extends Error {
  constructor(
    name: string,
    message: string,
    /** The HTTP status Lambda answers with: EventBridge does not retry a 4xx. */
    readonly statusCode: number,
  ) {
    super(message);
    this.name = name;
  }
}

/**
 * Lambda's answer to an oversized request payload (RequestEntityTooLargeException, HTTP 413), in its own words for
 * each invocation type, or undefined when the payload fits.
 */
export function payloadTooLarge(bytes: number, invocationType: InvocationType): LambdaApiError | undefined {
  if (invocationType === 'Event') {
    if (bytes <= LAMBDA_ASYNC_REQUEST_MAX_BYTES) return undefined;
    return new LambdaApiError(
      'RequestEntityTooLargeException',
      `${bytes} byte payload is too large for the Event invocation type (limit ${LAMBDA_ASYNC_REQUEST_MAX_BYTES} bytes)`,
      413,
    );
  }
  if (bytes <= LAMBDA_SYNC_REQUEST_MAX_BYTES) return undefined;
  return new LambdaApiError(
    'RequestEntityTooLargeException',
    `Request must be smaller than ${LAMBDA_SYNC_REQUEST_MAX_BYTES} bytes for the InvokeFunction operation`,
    413,
  );
}

/**
 * Lambda's check of a function's environment variables on CreateFunction and UpdateFunctionConfiguration: their
 * compact JSON may not exceed 4 KB. Throws InvalidParameterValueException in Lambda's words, naming the function.
 */
export function checkEnvironmentSize(functionName: string, variables: Record<string, string>): void {
  const measured = JSON.stringify(variables);
  if (Buffer.byteLength(measured, 'utf8') <= LAMBDA_ENVIRONMENT_MAX_BYTES) return;
  throw new LambdaApiError(
    'InvalidParameterValueException',
    `${functionName}: Lambda was unable to configure your environment variables because the environment ` +
      `variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
    400,
  );
}

export type InvokeResult =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string };

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-error'; errorType: string; errorMessage: string }
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; errorType: string; errorMessage: string };

const WORKER = path.join(__dirname, 'worker.cjs');
/**
 * V8's code cache of the bundles (worker.cjs), shared by every sandbox of this clone: where tools keep caches,
 * under node_modules (ignored by git, gone with a fresh install).
 */
const CODE_CACHE_DIR = path.join(
  __dirname,
  '..',
  '..',
  'node_modules',
  '.cache',
  'proactive-agents',
  'v8-code',
);

/**
 * A Lambda function run from its bundle in a worker thread with its own `process.env` (the template's
 * environment plus the sandbox endpoints). One invocation at a time, like one execution environment; a
 * timeout terminates the worker (the next invocation is a cold start), as Lambda does.
 */
export class LocalFunction {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly log: WriteStream | undefined;
  invocations = 0;
  coldStarts = 0;
  /** Receives each line the function writes to stdout (EMF metric records among them). @default - none */
  onStdout?: (line: string) => void;
  /** X-Ray: Lambda's function segment per invocation (local/xray). @default - not traced */
  tracing?: FunctionTracing;

  constructor(
    public config: FunctionConfig,
    logFile?: string,
  ) {
    this.log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  }

  /**
   * Invokes the function; invocations queue behind each other. Rejects with a {@link LambdaApiError} when the
   * payload is over the invocation type's limit (6 MB synchronous, 1 MB event); a synchronous invocation whose
   * response is over 6 MB fails with `Function.ResponseSizeTooLarge`, as Lambda reports it.
   */
  invoke(
    event: unknown,
    invocationType: InvocationType = 'RequestResponse',
    trace?: IncomingTrace,
  ): Promise<InvokeResult> {
    const refused = payloadTooLarge(jsonBytes(event), invocationType);
    if (refused) return Promise.reject(refused);
    const run = this.chain.then(() => this.traced(event, invocationType, trace));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The V8 heap of the running execution environment (bytes), or undefined when it is not running. */
  async heap(): Promise<{ used: number; total: number } | undefined> {
    const worker = this.worker;
    if (!worker || !this.ready) return undefined;
    await this.ready;
    return new Promise((resolve) => {
      const onMessage = (message: { type: string; used?: number; total?: number }) => {
        if (message.type !== 'heap') return;
        worker.off('message', onMessage);
        resolve({ used: message.used ?? 0, total: message.total ?? 0 });
      };
      worker.on('message', onMessage);
      worker.postMessage({ type: 'heap' });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
    this.log?.end();
  }

  private start(): Promise<void> {
    this.coldStarts++;
    const worker = new Worker(WORKER, {
      workerData: {
        codeDir: this.config.codeDir,
        codeCacheDir: this.config.codeCacheDir ?? CODE_CACHE_DIR,
        handler: this.config.handler,
        functionName: this.config.functionName,
        functionArn: this.config.functionArn,
        memorySize: this.config.memorySize,
        timeoutMs: this.config.timeoutSeconds * 1000,
        latencyPerRecordMs: this.config.latencyPerRecordMs ?? 0,
      },
      env: this.config.environment,
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, this.config.memorySize) },
    });
    if (this.log) {
      worker.stdout.pipe(this.log, { end: false });
      worker.stderr.pipe(this.log, { end: false });
    } else {
      worker.stdout.resume();
      worker.stderr.resume();
    }
    let partial = '';
    worker.stdout.on('data', (chunk: Buffer) => {
      if (!this.onStdout) return;
      const text = partial + chunk.toString('utf8');
      const end = text.lastIndexOf('\n');
      // What follows the last newline waits for the rest of its line.
      partial = text.slice(end + 1);
      if (end >= 0) for (const line of text.slice(0, end).split('\n')) this.onStdout(line);
    });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.type === 'ready') {
          worker.off('message', onMessage);
          resolve();
        } else if (message.type === 'init-error') {
          worker.off('message', onMessage);
          reject(Object.assign(new Error(message.errorMessage), { name: message.errorType }));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (this.worker === worker) {
          this.worker = undefined;
          this.ready = undefined;
        }
        reject(new Error(`worker exited with code ${code} during init`));
      });
    });
  }

  /** The invocation inside its function segment when tracing is on; the worker gets the `_X_AMZN_TRACE_ID`. */
  private async traced(
    event: unknown,
    invocationType: InvocationType,
    trace: IncomingTrace | undefined,
  ): Promise<InvokeResult> {
    const span = this.tracing?.begin(trace);
    const result = await this.invokeNow(event, invocationType, span?.traceHeader);
    span?.end(result);
    return result;
  }

  private async invokeNow(
    event: unknown,
    invocationType: InvocationType,
    traceHeader?: string,
  ): Promise<InvokeResult> {
    this.invocations++;
    if (!this.ready) this.ready = this.start();
    try {
      await this.ready;
    } catch (error) {
      this.ready = undefined;
      await this.worker?.terminate();
      const e = error as Error;
      return { ok: false, errorType: `Runtime.InitError.${e.name}`, errorMessage: e.message };
    }
    // A concurrent invocation's timeout can end the worker this one waited for.
    const worker = this.worker;
    if (worker === undefined) {
      return {
        ok: false,
        errorType: 'Runtime.ExitError',
        errorMessage: 'the runtime exited before the invocation',
      };
    }
    const id = this.nextId++;
    return new Promise<InvokeResult>((resolve) => {
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
      };
      const onMessage = (message: WorkerMessage) => {
        if (message.type !== 'result' || message.id !== id) return;
        cleanup();
        if (!message.ok) {
          resolve({ ok: false, errorType: message.errorType, errorMessage: message.errorMessage });
          return;
        }
        const responseBytes = invocationType === 'RequestResponse' ? jsonBytes(message.result) : 0;
        resolve(
          responseBytes > LAMBDA_SYNC_RESPONSE_MAX_BYTES
            ? {
                ok: false,
                errorType: 'Function.ResponseSizeTooLarge',
                errorMessage: `Response payload size (${responseBytes} bytes) exceeded maximum allowed payload size (${LAMBDA_SYNC_RESPONSE_MAX_BYTES} bytes).`,
              }
            : { ok: true, result: message.result },
        );
      };
      const onExit = (code: number) => {
        cleanup();
        this.ready = undefined;
        resolve({
          ok: false,
          errorType: 'Runtime.ExitError',
          errorMessage: `the runtime exited with code ${code}`,
        });
      };
      const hang = this.config.hangEveryOther === true && this.invocations % 2 === 1;
      const limitSeconds = hang
        ? (this.config.hangTimeoutSeconds ?? this.config.timeoutSeconds)
        : this.config.timeoutSeconds;
      const timer = setTimeout(() => {
        cleanup();
        this.ready = undefined;
        this.worker = undefined;
        void worker.terminate();
        resolve({
          ok: false,
          errorType: 'Sandbox.Timedout',
          errorMessage: `Task timed out after ${this.config.timeoutSeconds.toFixed(2)} seconds`,
        });
      }, limitSeconds * 1000);
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.postMessage({ id, requestId: randomUUID(), event, hang, traceHeader });
    });
  }
}
