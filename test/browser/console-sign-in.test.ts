import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ownSandboxDir } from '../sandbox/sandbox-fixture';

const repoRoot = path.resolve(__dirname, '..', '..');
ownSandboxDir();
/** Debian's chromium (`.ci/run` installs it when missing); CHROMIUM_PATH names another. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'console');

/** `npm run console -- --sign-in` on the governed scenario; resolves with the URL and password it prints. */
function startSignInConsole(): { child: ChildProcess; signIn: Promise<{ url: string; password: string }> } {
  const child = spawn(
    path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
    [
      'local/console/cli.ts',
      '--sign-in',
      '--scenario',
      'governed',
      '--speed',
      '3000',
      '--assembly',
      'cdk.out',
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const signIn = new Promise<{ url: string; password: string }>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Sign in at (http:\/\/\S+) as operator, password (\S+) /.exec(output);
      if (match) resolve({ url: match[1]!, password: match[2]! });
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`npm run console exited (${String(code)}):\n${output}`)));
  });
  return { child, signIn };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

/**
 * The console's AWS code path, end to end in the sandbox: `npm run console -- --sign-in` gives the browser a
 * config.json naming the Cognito stand-in, the operator HTTP API and the live WebSocket API. The operator signs in on
 * the stand-in's hosted page (authorization code + PKCE), the identity pool trades the ID token for the operator
 * role's credentials, the console lists the incident through the SigV4-signed API, answers the approval with a
 * signed POST, and `reroute_complete` arrives over the presigned WebSocket. Screenshots: test-artifacts/console/.
 */
describe('the operator console signed in through the sandbox’s Cognito, in chromium', () => {
  let browser: Browser | undefined;
  let run: ReturnType<typeof startSignInConsole> | undefined;

  afterAll(async () => {
    await browser?.close();
    if (run && run.child.exitCode === null) {
      const exited = new Promise((resolve) => run!.child.once('exit', resolve));
      run.child.kill('SIGINT');
      await exited;
    }
  });

  it('signs in on the hosted page, reads the incident through the signed API and hears reroute_complete on the WebSocket', async () => {
    // Arrange: the console in sign-in mode, and a browser that records what it signs and what the socket brings.
    mkdirSync(ARTIFACTS, { recursive: true });
    run = startSignInConsole();
    const { url, password } = await run.signIn;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const apiRequests: { url: string; method: string; authorization: string; token: boolean }[] = [];
    page.on('request', (request) => {
      const headers = request.headers();
      if (headers.authorization?.includes('/execute-api/aws4_request') === true) {
        apiRequests.push({
          url: request.url(),
          method: request.method(),
          authorization: headers.authorization,
          token: headers['x-amz-security-token'] !== undefined,
        });
      }
    });
    const socketFrames: string[] = [];
    const socketUrls: string[] = [];
    page.on('websocket', (socket) => {
      socketUrls.push(socket.url());
      socket.on('framereceived', (frame) => socketFrames.push(String(frame.payload)));
    });

    // Act 1: the console sends the browser to the stand-in's sign-in page; the operator signs in there.
    await page.goto(url);
    await page.getByLabel('Username').waitFor();
    const signInPageUrl = page.url();
    await shot(page, 'sign-in-1-hosted-page');
    await page.getByLabel('Username').fill('operator');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Act 2: back on the console, signed in: the socket opens, the incident is read through the API.
    await page
      .getByTestId('live-status')
      .filter({ hasText: /^live$/ })
      .waitFor({ timeout: 30_000 });
    const incident = page.locator('[data-incident-id^="warehouse#WH-ATL#"]');
    await incident.waitFor({ timeout: 60_000 });
    await incident.click();
    // Act 3: the operator approves the reroute; reroute_complete comes over the WebSocket.
    const approval = page.locator('[data-approval-id^="warehouse#WH-ATL#"]');
    await approval.waitFor({ timeout: 60_000 });
    await approval.getByLabel('Reason').fill('signed in through Cognito');
    await approval.getByRole('button', { name: 'Approve' }).click();
    const rerouted = page.getByTestId('timeline').locator('li[data-detail-type="reroute_complete"]');
    await rerouted.waitFor({ timeout: 60_000 });
    await shot(page, 'sign-in-2-reroute-complete');

    // Assert: the hosted page was the stand-in's, with PKCE; the console is back at its own URL without the code.
    const authorize = new URL(signInPageUrl);
    expect(authorize.pathname).toMatch(/^\/cognito-auth\/[\w-]+\/oauth2\/authorize$/);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(url);
    expect(page.url()).toBe(url);
    // Every API request was signed by the browser with the identity pool's temporary credentials.
    const listing = apiRequests.find((r) => r.method === 'GET' && new URL(r.url).pathname === '/incidents');
    const answer = apiRequests.find(
      (r) => r.method === 'POST' && new URL(r.url).pathname.startsWith('/approvals/'),
    );
    expect(listing).toMatchObject({
      authorization: expect.stringMatching(/^AWS4-HMAC-SHA256 Credential=ASIA/),
      token: true,
    });
    expect(answer).toMatchObject({ token: true });
    expect(new URL(listing!.url).origin).not.toBe(new URL(url).origin);
    // The approval is recorded as the operator's sign-in, which the identity pool put in the credentials' identity.
    await expect(page.getByTestId('notice').textContent()).resolves.toMatch(
      /^approved: by cognito-idp\.us-east-1\.amazonaws\.com\/\w+:CognitoSignIn:[0-9a-f-]{36}: signed in through Cognito$/,
    );
    await expect(
      page
        .getByTestId('timeline')
        .locator('li[data-detail-type="approval_decided"] .summary')
        .first()
        .textContent(),
    ).resolves.toMatch(/approved .*CognitoSignIn:[0-9a-f-]{36}: signed in through Cognito/);
    // The socket URL was presigned (SigV4 in the query) and brought reroute_complete as a platform frame.
    expect(socketUrls).toHaveLength(1);
    expect(new URL(socketUrls[0]!).searchParams.get('X-Amz-Security-Token')).not.toBeNull();
    const pushed = socketFrames.map(
      (frame) => JSON.parse(frame) as { kind: string; message: { detailType: string } },
    );
    expect(
      pushed.some((frame) => frame.kind === 'platform' && frame.message.detailType === 'reroute_complete'),
    ).toBe(true);
  });
});
