/**
 * `config.json`, served beside the console: where its API is and how it hears about new events. The same build
 * runs on AWS (S3 + CloudFront, the operator HTTP API's URL and its WebSocket push channel) and in the sandbox
 * (`npm run console`, a local server that signs API requests and streams the bus as server-sent events).
 */
import type { CognitoSignIn } from './sign-in';

export interface ConsoleConfig {
  /** Base URL of the operator HTTP API (`/api` in the sandbox; the API's URL on AWS). */
  readonly apiBase: string;
  /**
   * Server-sent events of every event put on the bus (the sandbox's `/events`). Without it (or `liveUrl`) the console
   * polls the API every `pollSeconds`.
   */
  readonly eventsUrl?: string;
  /**
   * On AWS: the WebSocket API that pushes each platform event (`wss://<api id>.execute-api.<region>.amazonaws.com/live`).
   * The console connects with a URL presigned with the operator's credentials (`auth`), reconnects with backoff, and
   * polls the API every `pollSeconds` only while the socket is down.
   */
  readonly liveUrl?: string;
  /** @default 10 */
  readonly pollSeconds?: number;
  /** The region the platform runs in (for X-Ray console links). */
  readonly region: string;
  /** Where an incident's trace is shown: the X-Ray console on AWS, the sandbox's local traces. */
  readonly traces:
    | { readonly kind: 'xray' }
    | {
        readonly kind: 'local';
        /** The console's trace view (`/traces/`): the id is appended, percent-encoded. */
        readonly base: string;
        /** Where the view reads the trace's waterfall as JSON (the local server's `/local/traces/`). */
        readonly api: string;
      };
  /**
   * How operators sign in on AWS (the API is IAM-authorized: the console signs each request with the credentials the
   * identity pool gives a signed-in operator). Absent in the sandbox, whose local server signs the requests.
   */
  readonly auth?: CognitoSignIn;
  /** Shown in the header: `sandbox` or the stack's name. */
  readonly environment: string;
}

/** The trace link of an incident: traces whose `correlationId` annotation is the incident's id. */
export function traceUrl(config: ConsoleConfig, correlationId: string): string {
  if (config.traces.kind === 'local') return `${config.traces.base}${encodeURIComponent(correlationId)}`;
  const filter = `annotation.correlationId = ${JSON.stringify(correlationId)}`;
  return `https://console.aws.amazon.com/xray/home?region=${encodeURIComponent(config.region)}#/traces?filter=${encodeURIComponent(filter)}`;
}
