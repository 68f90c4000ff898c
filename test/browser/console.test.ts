import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { endpointFile as endpointFileOf } from '../../local/endpoint-file';
import { ownSandboxDir } from '../sandbox/sandbox-fixture';

const repoRoot = path.resolve(__dirname, '..', '..');
ownSandboxDir();
/** Debian's chromium (`.ci/run` installs it when missing); CHROMIUM_PATH names another. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'console');
/** Event time runs 3000× real time (the first spike, 2.5 h in, some 3 s of pacing after the sandbox's boot). */
const SPEED = '3000';

/**
 * Starts `npm run console` on the governed scenario as a person would (through tsx), with `flags`, and resolves
 * with the match of `printed` in what it prints.
 */
function spawnConsole(
  flags: readonly string[],
  printed: RegExp,
): { child: ChildProcess; match: Promise<RegExpExecArray>; output: () => string } {
  const child = spawn(
    path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
    ['local/console/cli.ts', ...flags, '--scenario', 'governed', '--speed', SPEED, '--assembly', 'cdk.out'],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const match = new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = printed.exec(output);
      if (found) resolve(found);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`npm run console exited (${String(code)}):\n${output}`)));
  });
  return { child, match, output: () => output };
}

/** `npm run console`: resolves with the URL it prints. */
function startConsole(): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const { child, match, output } = spawnConsole(['--port', '0'], /Operator console: (http:\/\/\S+)/);
  return { child, url: match.then(([, url]) => url ?? ''), output };
}

/** `npm run console -- --sign-in`: resolves with the URL and password it prints. */
function startSignInConsole(): { child: ChildProcess; signIn: Promise<{ url: string; password: string }> } {
  const { child, match } = spawnConsole(
    ['--sign-in'],
    /Sign in at (http:\/\/\S+) as operator, password (\S+) /,
  );
  return { child, signIn: match.then(([, url, password]) => ({ url: url ?? '', password: password ?? '' })) };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

/** Ctrl-C, as a person stops the console, unless it has stopped already. */
async function stopConsole(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
}

// One chromium for both consoles' tests, each on a page of its own.
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});

/**
 * A page of the shared chromium, at the screenshots' size. Chromium starts on the first call, once the first console
 * has printed its URL, as the test did when it had a chromium of its own: the sandbox boots meanwhile.
 */
async function newPage(): Promise<Page> {
  if (browser === undefined) {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }
  return browser.newPage({ viewport: { width: 1500, height: 1000 } });
}

/**
 * The operator console in a real browser (Debian's chromium driven by playwright-core) against `npm run console`
 * on the governed scenario: the incident appears while the page is open, the operator approves the reroute in
 * the inbox, `reroute_complete` arrives on the incident's timeline, and the incident's trace link draws the X-Ray
 * waterfall from the order to reroute_complete. Screenshots go to test-artifacts/console/.
 */
describe('the operator console in chromium', () => {
  let run: ReturnType<typeof startConsole> | undefined;

  afterAll(() => stopConsole(run?.child));

  it('shows the incident live, takes the approval, shows reroute_complete arriving and draws its trace', async () => {
    // Arrange: the console server, then the browser on it before the sandbox has put anything on the bus.
    run = startConsole();
    const url = await run.url;
    const page = await newPage();
    await page.goto(url);
    await page.getByTestId('live-status').filter({ hasText: /^live/ }).waitFor();
    const incidentsAtOpen = await page.locator('[data-incident-id]').count();
    await shot(page, '1-opened');

    // Act 1: the spike at WH-ATL arrives on the bus while the page is open.
    const incident = page.locator('[data-incident-id^="warehouse#WH-ATL#"]');
    await incident.waitFor({ timeout: 60_000 });
    await incident.click();
    const timeline = page.getByTestId('timeline');
    await timeline.locator('li[data-detail-type="order_cancellation_spike"]').waitFor();
    // Act 2: its reroute waits for approval; the operator approves it in the inbox.
    const approval = page.locator('[data-approval-id^="warehouse#WH-ATL#"]');
    await approval.waitFor({ timeout: 60_000 });
    await timeline.locator('li[data-detail-type="approval_requested"]').waitFor();
    const rerouteBeforeApproval = await timeline.locator('li[data-detail-type="reroute_complete"]').count();
    await shot(page, '2-approval-pending');
    await approval.getByLabel('Reason').fill('checked the network');
    await approval.getByRole('button', { name: 'Approve' }).click();
    // Act 3: the saga resumes; the fulfillment agent's answer arrives on the timeline.
    const rerouted = timeline.locator('li[data-detail-type="reroute_complete"]');
    await rerouted.waitFor({ timeout: 60_000 });
    await shot(page, '3-reroute-complete');

    // Assert: the incident was not there when the page opened: it arrived live, from the spike on.
    expect(incidentsAtOpen).toBe(0);
    expect(rerouteBeforeApproval).toBe(0);
    const items = await timeline.locator('li').all();
    const types = await Promise.all(items.map((item) => item.getAttribute('data-detail-type')));
    expect(types[0]).toBe('order_cancellation_spike');
    expect(types.indexOf('approval_requested')).toBeLessThan(types.indexOf('approval_decided'));
    expect(types.indexOf('approval_decided')).toBeLessThan(types.indexOf('reroute_complete'));
    // The answer was the console's, signed as the sandbox operator, with the reason typed in.
    await expect(
      timeline.locator('li[data-detail-type="approval_decided"] .summary').first().textContent(),
    ).resolves.toMatch(/approved .*sandbox-operator: checked the network/);
    await expect(page.getByTestId('notice').textContent()).resolves.toMatch(/^approved: by arn:aws:iam::/);
    await expect(rerouted.locator('.summary').textContent()).resolves.toMatch(
      /^rerouted \d+ orders away from WH-ATL/,
    );
    await expect(page.getByTestId('incident-status').textContent()).resolves.toBe('rerouted');
    await expect(page.locator('[data-approval-id^="warehouse#WH-ATL#"]').count()).resolves.toBe(0);
    // The ratio chart around the incident, the local trace link, the agents with autonomy, budget and KPI.
    await expect(page.getByTestId('ratio-chart').locator('canvas').count()).resolves.toBeGreaterThan(0);
    await expect(page.getByTestId('trace-link').getAttribute('href')).resolves.toMatch(
      /^\/traces\/warehouse%23WH-ATL%232026-11-20T10%3A35%3A00Z$/,
    );
    await expect(
      page.getByTestId('agents').locator('tr', { hasText: 'planning-agent' }).textContent(),
    ).resolves.toMatch(/autonomous.*\$20\.00.*time-to-resolution ≤ 30 minutes/);
    // Change management: the approval is a decision, not an override (the rate is read back from CloudWatch).
    await page
      .getByTestId('override-rate')
      .getByText(/0 of 1 decisions overridden/)
      .waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('override-rate').textContent()).resolves.toMatch(
      /0 of 1 decisions overridden \(0%\).*the alarm fires above 25%/,
    );

    // Act 4: the incident's trace link opens the waterfall of the chain, drawn from the sandbox's X-Ray segments.
    const [tracePage] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByTestId('trace-link').click(),
    ]);
    await tracePage.setViewportSize({ width: 1500, height: 1000 });
    const rows = tracePage.getByTestId('trace-row');
    const row = (text: RegExp) => rows.filter({ has: tracePage.locator('.trace-name', { hasText: text }) });
    // The view reads the trace again while it is being written: the saga's execution segment comes when it ends.
    await row(/^Lambda .*FulfillmentAgent/)
      .first()
      .waitFor({ timeout: 30_000 });
    await row(/^Step Functions /)
      .first()
      .waitFor({ timeout: 60_000 });
    await shot(tracePage, '4-trace-waterfall');

    // Assert: the chain from the order to reroute_complete, each link indented under the one that caused it.
    await expect(tracePage.locator('h2').textContent()).resolves.toBe(
      'warehouse#WH-ATL#2026-11-20T10:35:00Z',
    );
    await expect(tracePage.getByTestId('trace-summary').textContent()).resolves.toMatch(
      /^\d+ segment\(s\) over .* · \d+ trace\(s\): 1-[0-9a-f]{8}-[0-9a-f]{24}/,
    );
    const depthOf = async (text: RegExp) => Number(await row(text).first().getAttribute('data-depth'));
    const order = await depthOf(/^order_(placed|cancelled) event \(retail\.orders\)$/);
    const monitoring = await depthOf(/^Lambda .*MonitoringAgent/);
    const spikeEvent = await depthOf(/^order_cancellation_spike event/);
    const execution = await depthOf(/^Step Functions /);
    const command = await depthOf(/^reroute_orders event/);
    const agent = await depthOf(/^Lambda .*FulfillmentAgent/);
    const completed = await depthOf(/^reroute_complete event/);
    expect(order).toBe(0);
    expect([monitoring, spikeEvent, execution, command, agent].every(Number.isInteger)).toBe(true);
    expect(order < monitoring && monitoring < spikeEvent && spikeEvent < execution).toBe(true);
    expect(execution < command && command < agent && agent < completed).toBe(true);
    // Bars on one time axis: the fulfillment agent runs after the saga started, within the axis.
    const barOf = async (text: RegExp) => {
      const style = (await row(text).first().getByTestId('trace-bar').getAttribute('style')) ?? '';
      return {
        left: Number(/left: ([\d.]+)%/.exec(style)?.[1]),
        width: Number(/width: ([\d.]+)%/.exec(style)?.[1]),
      };
    };
    const executionBar = await barOf(/^Step Functions /);
    const agentBar = await barOf(/^Lambda .*FulfillmentAgent/);
    expect(agentBar.left).toBeGreaterThanOrEqual(executionBar.left);
    expect(agentBar.left + agentBar.width).toBeLessThanOrEqual(100.001);
    expect(agentBar.width).toBeGreaterThan(0);
    // The monitoring agent's SQS batch: its other orders' traces are listed as links.
    await expect(
      row(/^Lambda .*MonitoringAgent/)
        .first()
        .getByTestId('trace-links')
        .textContent(),
    ).resolves.toMatch(/linked to \d+ other trace\(s\)/);
    await expect(tracePage.getByTestId('trace-mark').count()).resolves.toBe(0);

    // And Ctrl-C stops it: the sandbox, the server, the endpoint record.
    const exited = new Promise<number | null>((resolve) => run!.child.once('exit', resolve));
    run.child.kill('SIGINT');
    expect(await exited).toBe(0);
    // No endpoint record is left in this test's own sandbox directory.
    expect(existsSync(endpointFileOf(repoRoot))).toBe(false);
  });
});

/**
 * The console's AWS code path, end to end in the sandbox: `npm run console -- --sign-in` gives the browser a
 * config.json naming the Cognito stand-in, the operator HTTP API and the live WebSocket API. The operator signs in on
 * the stand-in's hosted page (authorization code + PKCE), the identity pool trades the ID token for the operator
 * role's credentials, the console lists the incident through the SigV4-signed API, answers the approval with a
 * signed POST, and `reroute_complete` arrives over the presigned WebSocket. Screenshots: test-artifacts/console/.
 */
describe('the operator console signed in through the sandbox’s Cognito, in chromium', () => {
  let run: ReturnType<typeof startSignInConsole> | undefined;

  afterAll(() => stopConsole(run?.child));

  it('signs in on the hosted page, reads the incident through the signed API and hears reroute_complete on the WebSocket', async () => {
    // Arrange: the console in sign-in mode, and a browser that records what it signs and what the socket brings.
    run = startSignInConsole();
    const { url, password } = await run.signIn;
    const page = await newPage();
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
