import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

const WORKER = path.join(__dirname, 'dynalite-worker.cjs');

/**
 * dynalite (the sandbox's DynamoDB) on loopback, served from a worker thread (dynalite-worker.cjs): a replay used to
 * spend about half of its main-thread time in dynalite and LevelDB, which now run beside the bus, queues and state
 * machines. In front of dynalite, TransactWriteItems (transactions.cjs), which dynalite lacks, and a count of the
 * requests served by operation.
 */
/** A request signed with session credentials, held by dynalite's thread until authorized. */
export interface SessionRequest {
  readonly accessKeyId: string;
  /** The operation, e.g. `UpdateItem`. */
  readonly operation: string;
  /** The request body (JSON text). */
  readonly body: string;
}

/** Why a request is refused: the DynamoDB error type (`AccessDeniedException`, …) and its message. */
export interface Refusal {
  readonly type: string;
  readonly message: string;
}

/** Decides a session's request: a refusal, or undefined to let it through. */
export type SessionAuthorizer = (request: SessionRequest) => Promise<Refusal | undefined>;

export class DynaliteThread {
  private authorizer?: SessionAuthorizer;

  private constructor(
    private readonly worker: Worker,
    /** `http://127.0.0.1:<port>` */
    readonly url: string,
  ) {
    worker.on('message', (message: { type: string; id: number } & SessionRequest) => {
      if (message.type !== 'authorize') return;
      const { id, accessKeyId, operation, body } = message;
      const decide = this.authorizer ?? (() => Promise.resolve(undefined));
      void decide({ accessKeyId, operation, body })
        .catch((error: unknown): Refusal => ({
          type: 'InternalServerError',
          message: error instanceof Error ? error.message : String(error),
        }))
        .then((denied) => worker.postMessage({ type: 'authorized', id, denied }));
    });
  }

  /**
   * Requests signed with session credentials (`ASIA…`) wait for `authorizer` before dynalite sees them. Without
   * one they pass.
   */
  authorizeSessionsWith(authorizer: SessionAuthorizer): void {
    this.authorizer = authorizer;
  }

  /** Starts dynalite; `tablesDir` keeps the tables in LevelDB on disk, else they are held in memory. */
  static async start(tablesDir?: string): Promise<DynaliteThread> {
    const worker = new Worker(WORKER, { workerData: { path: tablesDir } });
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`dynalite exited with code ${code} while starting`)));
      worker.once('message', (message: { type: string; port: number }) => resolve(message.port));
    });
    worker.removeAllListeners('error');
    worker.removeAllListeners('exit');
    return new DynaliteThread(worker, `http://127.0.0.1:${port}`);
  }

  /** The requests served so far, by operation (`UpdateItem`, `TransactWriteItems`, …). */
  requests(): Promise<Record<string, number>> {
    return this.ask<{ requests: Record<string, number> }>('requests').then((answer) => answer.requests);
  }

  /** The V8 heap of dynalite's thread (bytes); its LevelDB memory is native, outside it. */
  heap(): Promise<{ used: number; total: number }> {
    return this.ask('heap');
  }

  /** Closes the server (and its connections), then ends the thread. */
  async stop(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.ask('close'), new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
    clearTimeout(timer);
    await this.worker.terminate();
  }

  private ask<T>(type: string): Promise<T> {
    return new Promise((resolve) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== (type === 'close' ? 'closed' : type)) return;
        this.worker.off('message', onMessage);
        resolve(message as T);
      };
      this.worker.on('message', onMessage);
      this.worker.postMessage({ type });
    });
  }
}
