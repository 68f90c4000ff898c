import type { ServerResponse } from 'node:http';
import type { SandboxTracing } from '../xray/sandbox-tracing';
import { problem } from './api-proxy';

/**
 * `GET /local/traces/<correlationId>`: the incident's waterfall as the sandbox's `GET /traces/<id>` answers it
 * (`local/xray/sandbox-tracing.ts`), read from the sandbox in this process rather than over its endpoint. Its
 * refusals are problems the console shows: the sandbox is starting (503), no trace carries the id yet (404), the
 * sandbox collects no traces (501).
 */
export async function serveTrace(
  sandbox: { readonly traces?: Pick<SandboxTracing, 'handle'> } | undefined,
  encodedId: string,
  res: ServerResponse,
): Promise<void> {
  if (sandbox === undefined) {
    problem(res, 503, 'Sandbox starting', 'the sandbox is not up yet: try again in a moment');
    return;
  }
  if (sandbox.traces === undefined) {
    problem(
      res,
      501,
      'Traces off',
      'this sandbox collects no X-Ray segments (npm run console -- --no-traces)',
    );
    return;
  }
  let answer: Awaited<ReturnType<SandboxTracing['handle']>>;
  try {
    answer = await sandbox.traces.handle('GET', encodedId);
  } catch (error) {
    // A malformed percent-encoding is the caller's error, named as such.
    if (error instanceof URIError) {
      problem(res, 400, 'Bad correlation id', `the correlation id is not percent-encoded: ${encodedId}`);
      return;
    }
    throw error;
  }
  if (answer.status !== 200) {
    const message = (answer.body as { message?: string }).message ?? '';
    problem(res, answer.status, answer.errorType ?? 'Trace', message);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(answer.body));
}
