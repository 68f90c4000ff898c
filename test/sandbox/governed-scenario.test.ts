import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import * as path from 'node:path';
import { endpointFile, runningSandboxEndpoint } from '../../local/endpoint-file';
import { ownSandboxDir, repoRoot } from './sandbox-fixture';

const run = promisify(execFile);
ownSandboxDir();

/**
 * The governed scenario end to end, as a person runs it: `npm start -- --scenario governed` in one process, holding
 * at each approval and printing the command that answers it; `npm run approve` in another, finding the sandbox
 * through .sandbox/endpoint.json and answering through Step Functions' SendTaskSuccess.
 */
describe('npm start -- --scenario governed', () => {
  let child: ChildProcess | undefined;

  afterAll(() => {
    // The run's whole process group (npm, tsx, node), if a failed expectation left it running.
    if (child?.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  });

  it('shows a multi-task plan, policy decisions, approvals answered by npm run approve, and a failing task compensated in reverse', async () => {
    // Arrange: the run, in its own process group.
    child = spawn('npm', ['start', '--', '--scenario', 'governed'], {
      cwd: repoRoot,
      env: { ...process.env, INIT_CWD: repoRoot },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const answered: string[] = [];
    const answers: string[] = [];
    const sandboxPids = new Set<number>();
    let answering = Promise.resolve();

    // Act: answer every approval the run asks for, as it prints it.
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const [, incident] of stdout.matchAll(/^ {2}Approve: +npm run approve -- '([^']+)'$/gm)) {
        if (answered.includes(incident!)) continue;
        answered.push(incident!);
        answering = answering.then(async () => {
          const pid = runningSandboxEndpoint(repoRoot)?.pid;
          if (pid !== undefined) sandboxPids.add(pid);
          const { stdout: said } = await run(
            'npm',
            [
              'run',
              '--silent',
              'approve',
              '--',
              incident!,
              '--by',
              'e2e',
              '--comment',
              'checked the network',
            ],
            { cwd: repoRoot, env: { ...process.env, INIT_CWD: repoRoot } },
          );
          answers.push(said.trim());
        });
      }
    });
    const code = await exited;
    await answering;

    // Assert: the run finished, after both incidents' approvals were answered through the endpoint file.
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(answered).toEqual([
      expect.stringMatching(/^warehouse#WH-ATL#/),
      expect.stringMatching(/^warehouse#WH-DEN#/),
    ]);
    for (const [index, said] of answers.entries()) {
      expect(said).toContain(`approved reroute_orders for ${String(answered[index])} at tier 1 (on-call`);
      expect(said).toContain(path.relative(repoRoot, endpointFile(repoRoot)));
    }
    // Each approval was announced once, and the file no longer names the finished run.
    expect(stdout.match(/^Approval requested: /gm)).toHaveLength(2);
    expect([...sandboxPids]).toHaveLength(1);
    expect(runningSandboxEndpoint(repoRoot)?.pid).not.toBe([...sandboxPids][0]);

    const timeline = stdout.slice(stdout.indexOf('Incident timeline'), stdout.indexOf('\nAccounting'));
    const lines = timeline.split('\n');
    const at = (pattern: RegExp, from = 0) =>
      lines.findIndex((line, index) => index >= from && pattern.test(line));

    // A multi-task plan for each incident: ticket, intake pause, reroute.
    expect(timeline).toMatch(
      /remediation_planned +plan by \w+: Open a sev2 incident ticket for warehouse WH-ATL\. Pause the intake of WH-ATL\. Reroute open orders/,
    );
    // Policy decisions before each task; the reroute held for approval by the scenario's policy.
    expect(timeline).toMatch(
      /policy_decision +policy: allow open_incident_ticket on Incident warehouse#WH-ATL/,
    );
    expect(timeline).toMatch(/policy_decision +policy: allow pause_warehouse_intake on Warehouse WH-ATL/);
    expect(timeline).toMatch(
      /policy_decision +policy: require_approval reroute_orders on Warehouse WH-ATL .*reroutes-need-approval/,
    );
    // At WH-ATL: asked, approved by the person who answered, then the reroute ran.
    const atlAsked = at(
      /approval_requested +approval requested of operators \(tier 1, on-call, 900 s\) for reroute_orders/,
    );
    const atlApproved = at(
      /approval_decided +approval approved at tier 1 \(on-call\) for reroute_orders: by e2e: checked the network/,
    );
    const atlRerouted = at(/reroute_complete +rerouted \d+ orders away from WH-ATL/);
    expect(atlAsked).toBeGreaterThan(0);
    expect(atlApproved).toBeGreaterThan(atlAsked);
    expect(atlRerouted).toBeGreaterThan(atlApproved);
    // At WH-DEN: approved too, but no other warehouse serves its customers: the reroute fails at once, and what
    // ran is compensated in reverse (the reroute's own revert, the intake, the ticket).
    const denSpike = at(/order_cancellation_spike +spike at warehouse WH-DEN/);
    const denApproved = at(
      /approval_decided +approval approved at tier 1 \(on-call\) for reroute_orders: by e2e/,
      denSpike,
    );
    const denFailed = at(/command_failed +reroute_orders failed at once: RerouteNotPlannable/, denApproved);
    const resumed = at(/resume_warehouse_intake +compensation: lift the pause of WH-DEN/, denFailed);
    const closed = at(/close_incident_ticket +compensation: close ticket ticket#warehouse#WH-DEN/, denFailed);
    const compensated = at(
      /remediation_compensated +remediation compensated \(RerouteNotPlannable\), in reverse order: reroute_orders → pause_warehouse_intake → open_incident_ticket/,
      denFailed,
    );
    expect(denSpike).toBeGreaterThan(atlRerouted);
    expect(denApproved).toBeGreaterThan(denSpike);
    expect(denFailed).toBeGreaterThan(denApproved);
    expect(resumed).toBeGreaterThan(denFailed);
    expect(closed).toBeGreaterThan(resumed);
    expect(compensated).toBeGreaterThan(closed);
    expect(stdout).toMatch(/execution [\w-]+: SUCCEEDED/);
    expect(stdout).toMatch(/execution [\w-]+: FAILED \(RemediationCompensated\)/);
  }, 600_000);
});
