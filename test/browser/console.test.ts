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

/** Starts `npm run console` as a person would (through tsx), and resolves with the URL it prints. */
function startConsole(): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const child = spawn(
    path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
    [
      'local/console/cli.ts',
      '--scenario',
      'governed',
      '--speed',
      SPEED,
      '--assembly',
      'cdk.out',
      '--port',
      '0',
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Operator console: (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`npm run console exited (${String(code)}):\n${output}`)));
  });
  return { child, url, output: () => output };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

/**
 * The operator console in a real browser (Debian's chromium driven by playwright-core) against `npm run console`
 * on the governed scenario: the incident appears while the page is open, the operator approves the reroute in
 * the inbox, `reroute_complete` arrives on the incident's timeline, and the incident's trace link draws the X-Ray
 * waterfall from the order to reroute_complete. Screenshots go to test-artifacts/console/.
 */
describe('the operator console in chromium', () => {
  let browser: Browser | undefined;
  let run: ReturnType<typeof startConsole> | undefined;

  afterAll(async () => {
    await browser?.close();
    if (run && run.child.exitCode === null) {
      const exited = new Promise((resolve) => run!.child.once('exit', resolve));
      run.child.kill('SIGINT');
      await exited;
    }
  });

  it('shows the incident live, takes the approval, shows reroute_complete arriving and draws its trace', async () => {
    // Arrange: the console server, then the browser on it before the sandbox has put anything on the bus.
    mkdirSync(ARTIFACTS, { recursive: true });
    run = startConsole();
    const url = await run.url;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
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
