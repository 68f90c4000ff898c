import type { ServerResponse } from 'node:http';

/** Answers with `body` (JSON unless `headers` say otherwise), never cached: tokens and sign-in pages. */
export function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}
