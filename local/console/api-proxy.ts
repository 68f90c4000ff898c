import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../apigateway/iam-caller';

/** The sandbox's operator key (as `npm run approve` signs): allowed every route of the operator API. */
const SANDBOX_OPERATOR = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } as const;

/** A request body larger than this is refused (the API's own bodies are a few hundred bytes). */
const MAX_BODY_BYTES = 1024 * 1024;

/** Headers passed on from the browser; everything else (cookies, the browser's host) stays here. */
const FORWARDED_HEADERS = ['content-type', 'accept'];

export interface ApiProxyOptions {
  /** The operator HTTP API's loopback URL (`sandbox.httpApis.endpoints[...]`), or undefined while it boots. */
  readonly target: () => string | undefined;
  /** @default 'us-east-1' */
  readonly region?: string | undefined;
  /** @default the sandbox operator */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** A problem the proxy itself answers (RFC 9457, like the API's own). */
export function problem(res: ServerResponse, status: number, title: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * `/api/*` → the sandbox's operator HTTP API, each request SigV4-signed as the sandbox operator: the browser
 * never holds a key, and the API authorizes the request exactly as API Gateway would (IAM, `execute-api:Invoke`).
 * `rest` is the path after `/api`, percent-encoded as the browser sent it.
 */
export async function proxyToApi(
  req: IncomingMessage,
  res: ServerResponse,
  rest: string,
  options: ApiProxyOptions,
): Promise<void> {
  const base = options.target();
  if (base === undefined) {
    problem(res, 503, 'Sandbox starting', 'the operator API is not up yet: try again in a moment');
    return;
  }
  const body = await readBody(req);
  if (body === undefined) {
    problem(res, 413, 'Body too large', `a request body is at most ${MAX_BODY_BYTES} bytes`);
    return;
  }
  const url = new URL(base);
  const [pathname = '/', queryString = ''] = rest.split('?');
  const method = req.method ?? 'GET';
  const headers: Record<string, string> = { host: url.host };
  for (const name of FORWARDED_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const signed = await new SignatureV4({
    service: 'execute-api',
    region: options.region ?? 'us-east-1',
    sha256: Sha256,
    credentials: options.credentials ?? SANDBOX_OPERATOR,
  }).sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: pathname,
    query: Object.fromEntries(new URLSearchParams(queryString)),
    headers,
    ...(body.length === 0 ? {} : { body: body.toString('utf8') }),
  });
  await new Promise<void>((resolve) => {
    const upstream = httpRequest(
      { host: url.hostname, port: url.port, method, path: rest, headers: signed.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, {
          'content-type': answer.headers['content-type'] ?? 'application/json',
          'cache-control': 'no-store',
        });
        answer.pipe(res);
        answer.on('end', resolve);
        answer.on('error', () => resolve());
      },
    );
    upstream.on('error', (error) => {
      problem(res, 502, 'Operator API unreachable', error.message);
      resolve();
    });
    upstream.end(body.length === 0 ? undefined : body);
  });
}
