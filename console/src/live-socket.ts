/**
 * The console's push channel on AWS: the WebSocket API (API Gateway) that sends each platform event as the
 * sandbox's server-sent events do. A browser WebSocket cannot send headers, so `$connect` is authorized by a SigV4
 * signature in the URL's query string, made with the operator's identity-pool credentials.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LiveSocketFrame, PlatformEventMessage } from './live-messages';
import type { CredentialProvider } from './signed-fetch';

/** How long a presigned URL may be used to connect (it is used at once; a connection outlives it). */
const PRESIGNED_SECONDS = 60;

/**
 * `url` presigned for API Gateway's IAM authorization of `$connect`: `GET` on the stage's path, service
 * `execute-api`, the signature and (with temporary credentials) the session token in the query string.
 */
export async function presignedSocketUrl(
  url: string,
  region: string,
  credentials: CredentialProvider,
  now: () => number = Date.now,
): Promise<string> {
  const target = new URL(url);
  const signer = new SignatureV4({ service: 'execute-api', region, sha256: Sha256, credentials });
  const query: Record<string, string> = {};
  for (const [name, value] of target.searchParams) query[name] = value;
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: target.protocol,
      hostname: target.hostname,
      ...(target.port === '' ? {} : { port: Number(target.port) }),
      path: target.pathname,
      query,
      headers: { host: target.host },
    },
    { expiresIn: PRESIGNED_SECONDS, signingDate: new Date(now()) },
  );
  const presigned = new URL(url);
  presigned.search = '';
  for (const [name, value] of Object.entries(signed.query ?? {})) {
    for (const one of [value].flat()) if (one !== null) presigned.searchParams.append(name, one);
  }
  return presigned.toString();
}

/** What the console needs of a browser WebSocket (injected, so that the reconnect logic runs in tests). */
export interface SocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(): void;
}

export interface LiveSocketHandlers {
  readonly platform: (message: PlatformEventMessage) => void;
  /** The socket opened (true), or closed and a reconnect is scheduled (false). */
  readonly connected: (open: boolean) => void;
  /** A connection attempt failed before the socket existed (e.g. no credentials), or a message was unreadable. */
  readonly problem?: (error: Error) => void;
}

export interface ReconnectOptions {
  /** The first delay after a drop; it doubles with each failed attempt. @default 1000 */
  readonly initialDelayMs?: number;
  /** @default 30000 */
  readonly maxDelayMs?: number;
  /** Uniform in [0, 1): spreads the reconnects of many consoles after an outage. @default Math.random */
  readonly random?: () => number;
  readonly setTimer?: (run: () => void, ms: number) => unknown;
  readonly clearTimer?: (timer: unknown) => void;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first after a drop): exponential backoff capped at
 * `maxDelayMs`, with "equal jitter" — half of it fixed, half random — so consoles never retry in lockstep.
 */
function reconnectDelay(attempt: number, options: ReconnectOptions = {}): number {
  const initial = options.initialDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + (options.random ?? Math.random)() * (ceiling / 2);
}

/**
 * Keeps a connection to the push channel: each attempt asks `signedUrl` for a freshly presigned URL (credentials
 * may have been renewed), opens it with `open`, hands every `platform` frame to the handlers, and after a drop (API
 * Gateway closes idle connections after ten minutes and any after two hours) reconnects with backoff; a connection
 * that opened resets the backoff. Returns the unsubscribe, which closes the socket and stops reconnecting.
 */
export function connectLiveSocket(
  signedUrl: () => Promise<string>,
  handlers: LiveSocketHandlers,
  open: (url: string) => SocketLike = (url) => new WebSocket(url) as unknown as SocketLike,
  options: ReconnectOptions = {},
): () => void {
  const setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
  const clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  let stopped = false;
  let attempt = 0;
  let socket: SocketLike | undefined;
  let timer: unknown;

  const retry = () => {
    if (stopped) return;
    timer = setTimer(
      () => {
        timer = undefined;
        void connect();
      },
      reconnectDelay(attempt++, options),
    );
  };

  const connect = async () => {
    let url: string;
    try {
      url = await signedUrl();
    } catch (error) {
      handlers.problem?.(error instanceof Error ? error : new Error(String(error)));
      retry();
      return;
    }
    if (stopped) return;
    const current = open(url);
    socket = current;
    current.onopen = () => {
      attempt = 0;
      handlers.connected(true);
    };
    current.onmessage = (event) => {
      const frame = readFrame(event.data);
      if (frame instanceof Error) handlers.problem?.(frame);
      else handlers.platform(frame.message);
    };
    // A failed handshake (403 when the signature or the grant is refused) closes the socket too: one path.
    current.onerror = () => undefined;
    current.onclose = () => {
      if (socket !== current) return;
      socket = undefined;
      if (stopped) return;
      handlers.connected(false);
      retry();
    };
  };

  void connect();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimer(timer);
    const current = socket;
    socket = undefined;
    current?.close();
  };
}

/** A frame as the push function sends it; anything else is an error that names what is wrong. */
function readFrame(data: unknown): LiveSocketFrame | Error {
  if (typeof data !== 'string') return new Error('live message: not text');
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return new Error('live message: not JSON');
  }
  const candidate = frame as Partial<LiveSocketFrame> | null;
  if (candidate?.kind !== 'platform') {
    return new Error(`live message: kind ${JSON.stringify(candidate?.kind)} is not "platform"`);
  }
  if (typeof candidate.message?.id !== 'string') return new Error('live message: message.id is missing');
  return candidate as LiveSocketFrame;
}
