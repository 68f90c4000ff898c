import { request as httpRequest } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../../local/apigateway/iam-caller';

/** An HTTP answer: status, headers and the body parsed as JSON (undefined when empty). */
export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, read by the assertions
  readonly body: any;
}

export interface Signer {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** @default 'execute-api' */
  readonly service?: string;
}

/** The sandbox's operator key, as `npm run approve` signs. */
const OPERATOR: Signer = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

/**
 * A request to an HTTP API at `base`, SigV4-signed as an SDK client signs for `execute-api` (or not at all, with
 * `signer: undefined`). `path` is sent as given: percent-encode path parameters yourself.
 */
export async function apiRequest(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; signer?: Signer | undefined } = { signer: OPERATOR },
): Promise<HttpAnswer> {
  const url = new URL(base);
  const [pathname = '/', queryString = ''] = path.split('?');
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  let headers: Record<string, string> = {
    host: url.host,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  };
  const signer = 'signer' in options ? options.signer : OPERATOR;
  if (signer !== undefined) {
    const signed = await new SignatureV4({
      service: signer.service ?? 'execute-api',
      region: 'us-east-1',
      sha256: Sha256,
      credentials: signer,
    }).sign({
      method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: pathname,
      query: Object.fromEntries(new URLSearchParams(queryString)),
      headers,
      ...(body === undefined ? {} : { body }),
    });
    headers = signed.headers;
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? '',
          body: text === '' ? undefined : JSON.parse(text),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
