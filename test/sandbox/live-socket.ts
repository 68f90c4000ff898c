import { WebSocket } from 'ws';
import { presignedSocketUrl } from '../../console/src/live-socket';
import type { Sandbox } from '../../local/sandbox';

/** A WebSocket connection attempt: open, with the frames received so far, or refused with the handshake's answer. */
export type SocketAttempt =
  | {
      readonly open: true;
      readonly socket: WebSocket;
      readonly frames: unknown[];
      readonly closed: Promise<number>;
    }
  | { readonly open: false; readonly status: number; readonly body: unknown };

/** Opens `url` with the `ws` client; a refused handshake resolves with its status and JSON body. */
export function connect(url: string): Promise<SocketAttempt> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const frames: unknown[] = [];
    const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)));
    socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as unknown));
    socket.once('open', () => resolve({ open: true, socket, frames, closed }));
    socket.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          open: false,
          status: response.statusCode ?? 0,
          body: text === '' ? undefined : JSON.parse(text),
        });
      });
    });
    socket.once('error', reject);
  });
}

/** The console's operator role: the identity pool's authenticated role, which the console signs with on AWS. */
export function operatorRoleArn(sandbox: Sandbox): string {
  const [[, attachment] = []] = sandbox.template.resourcesOfType('AWS::Cognito::IdentityPoolRoleAttachment');
  return String(
    sandbox.template.resolve((attachment?.Properties?.Roles as { authenticated: unknown }).authenticated),
  );
}

/** The live stage's URL presigned as the console presigns it, with a role's key (the sandbox's roles sign so). */
export function presignedAs(url: string, accessKeyId: string, secretAccessKey = 'sandbox'): Promise<string> {
  return presignedSocketUrl(url, 'us-east-1', () => Promise.resolve({ accessKeyId, secretAccessKey }));
}

/** Polls `probe` every 50 ms until it gives a value (or `seconds` pass). */
export async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  seconds = 30,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
