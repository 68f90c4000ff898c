import * as path from 'node:path';
import { replayFile, type FileReplay } from '../../local/replay-file';
import type { Sandbox } from '../../local/sandbox';
import { resolveScenario } from '../../local/scenario';
import { networkEvents } from '../../scenarios/network-events';
import { assemblyDir, repoRoot } from './sandbox-fixture';
import { apiRequest, type HttpAnswer } from './signed-request';

const API = 'proactive-agents-operator';
const OPERATOR_ARN = 'arn:aws:iam::123456789012:user/sandbox-operator';

/** Polls `probe` every 100 ms until it gives a value (or `seconds` pass). */
async function until<T>(probe: () => T | undefined | Promise<T | undefined>, seconds = 120): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing after ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const detailOf = (sandbox: Sandbox, detailType: string) =>
  [...sandbox.bus.archive]
    .filter((event) => event['detail-type'] === detailType)
    .map((event) => event.detail as Record<string, unknown>);

/**
 * The operator API as the sandbox serves it from the template (AWS::ApiGatewayV2::*): the governed scenario holds
 * each reroute for approval; the test finds the approval through GET /approvals over SigV4-signed HTTP, answers it
 * with POST /approvals/{id}, and the saga resumes.
 */
describe('the operator HTTP API in the sandbox (governed scenario)', () => {
  let replay: FileReplay | undefined;
  let started: Sandbox | undefined;
  afterAll(async () => {
    await (replay?.sandbox ?? started)?.stop();
  });

  it('lists the pending approval, approves it with POST, and the saga resumes to reroute_complete', async () => {
    // Arrange: the governed scenario, holding the virtual clock at each approval.
    const scenario = resolveScenario(path.join(repoRoot, 'scenarios'), 'governed');
    const network = networkEvents(scenario.network!, new Date(0));
    const replaying = replayFile(scenario.events, {
      assemblyDir,
      appConfigFiles: { governance: scenario.governance! },
      holdForApprovals: { stateNames: ['RequestApproval'], realSeconds: 240 },
      prelude: (time) => network.map((event) => ({ ...event, time: time.toISOString() })),
      onStart: (sandbox) => (started = sandbox),
    });
    const base = await until(() => started?.httpApis?.endpoints[API]);
    const pendingAt = async (warehouse: string) =>
      until(async () => {
        const answer = await apiRequest(base, 'GET', '/approvals');
        return answer.body.approvals.some((a: { id: string }) => a.id.includes(warehouse))
          ? answer
          : undefined;
      });

    // Act 1: the first approval, as GET /approvals lists it.
    const atl = await pendingAt('WH-ATL');
    const approval = atl.body.approvals[0] as { id: string };
    const unsigned = await apiRequest(base, 'GET', '/approvals', { signer: undefined });
    const badSecret = await apiRequest(base, 'GET', '/approvals', {
      signer: { accessKeyId: 'sandbox', secretAccessKey: 'not-the-secret' },
    });
    // A function's own role (signing as Lambda gives it credentials) has no execute-api:Invoke.
    const asFunction = await apiRequest(base, 'GET', '/approvals', {
      signer: {
        accessKeyId: started!.functionByService('saga-callback').config.environment.AWS_ACCESS_KEY_ID!,
        secretAccessKey: 'sandbox',
      },
    });
    const invalid = await apiRequest(base, 'POST', `/approvals/${encodeURIComponent(approval.id)}`, {
      body: { decision: 'maybe' },
    });
    const approved = await apiRequest(base, 'POST', `/approvals/${encodeURIComponent(approval.id)}`, {
      body: { decision: 'approve', reason: 'checked the network' },
    });
    // Act 2: the second incident's approval, rejected.
    const den = await pendingAt('WH-DEN');
    const denId = den.body.approvals.find((a: { id: string }) => a.id.includes('WH-DEN')).id as string;
    const rejected = await apiRequest(base, 'POST', `/approvals/${encodeURIComponent(denId)}`, {
      body: { decision: 'reject', reason: 'not now' },
    });
    replay = await replaying;
    const { sandbox } = replay;

    // Assert: what was pending, as the saga asked it.
    expect(atl.status).toBe(200);
    expect(approval).toMatchObject({
      id: expect.stringMatching(/^warehouse#WH-ATL#/),
      taskType: 'reroute_orders',
      determiningPolicies: expect.arrayContaining(['reroutes-need-approval']),
      tier: { index: 0, name: 'on-call', approvers: 'operators', timeoutSeconds: 900 },
      executionArn: expect.stringContaining(':execution:'),
    });
    expect(approval).not.toHaveProperty('taskToken');
    // Unsigned: refused by API Gateway's IAM authorization, before the function.
    expect(unsigned).toEqual({
      status: 403,
      contentType: 'application/json',
      body: { message: 'Forbidden' },
    });
    expect(badSecret).toMatchObject({
      status: 403,
      body: { message: expect.stringMatching(/^The request signature we calculated does not match/) },
    });
    expect(asFunction).toMatchObject({
      status: 403,
      body: {
        message: expect.stringMatching(
          /^User: arn:aws:iam::123456789012:role\/\S+ is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:\w+\/\$default\/GET\/approvals$/,
        ),
      },
    });
    // A body that breaks the contract: a problem naming the field.
    expect(invalid.status).toBe(400);
    expect(invalid.contentType).toBe('application/problem+json');
    expect(invalid.body).toMatchObject({
      type: 'urn:proactive-agents:problem:validation',
      status: 400,
      errors: [{ field: 'decision', pointer: '/decision' }],
    });
    expect(approved).toMatchObject({
      status: 200,
      body: { outcome: 'approved', note: `by ${OPERATOR_ARN}: checked the network` },
    });
    expect(rejected).toMatchObject({ status: 200, body: { outcome: 'rejected' } });
    // The saga resumed: the approved reroute ran, the rejected one was compensated.
    expect(detailOf(sandbox, 'approval_decided')).toEqual([
      expect.objectContaining({
        correlationId: approval.id,
        outcome: 'approved',
        note: `by ${OPERATOR_ARN}: checked the network`,
      }),
      expect.objectContaining({
        correlationId: denId,
        outcome: 'rejected',
        note: `by ${OPERATOR_ARN}: not now`,
      }),
    ]);
    expect(detailOf(sandbox, 'reroute_complete')).toEqual([
      expect.objectContaining({ correlationId: approval.id }),
    ]);
    expect(detailOf(sandbox, 'remediation_compensated')).toEqual([
      expect.objectContaining({ correlationId: denId }),
    ]);
    expect((await apiRequest(base, 'GET', '/approvals')).body).toEqual({ approvals: [] });

    // And the other routes, on what the run left.
    const incidents: HttpAnswer = await apiRequest(base, 'GET', '/incidents');
    expect(incidents.body.incidents).toEqual([
      expect.objectContaining({ id: denId, status: 'compensated', tasks: expect.any(Array) }),
      expect.objectContaining({ id: approval.id, status: 'succeeded' }),
    ]);
    const timeline = await apiRequest(base, 'GET', `/incidents/${encodeURIComponent(approval.id)}/timeline`);
    expect(timeline.status).toBe(200);
    expect(timeline.body).toMatchObject({
      id: approval.id,
      status: 'succeeded',
      plan: { tasks: expect.arrayContaining([expect.objectContaining({ taskType: 'reroute_orders' })]) },
      evidence: expect.arrayContaining([expect.any(String)]),
      policyDecisions: expect.arrayContaining([
        expect.objectContaining({
          decision: 'require_approval',
          determiningPolicies: expect.arrayContaining(['reroutes-need-approval']),
        }),
      ]),
      outcome: { outcome: 'succeeded' },
      saga: {
        status: 'SUCCEEDED',
        taskOutcomes: expect.arrayContaining([
          expect.objectContaining({ taskType: 'reroute_orders', result: 'succeeded' }),
        ]),
        compensations: [],
      },
      traceQuery: `annotation.correlationId = ${JSON.stringify(approval.id)}`,
    });
    // The ratio around the incident, from the monitoring agent's counters (IAM: Query on warehouse/region items).
    const ratio = await apiRequest(base, 'GET', `/incidents/${encodeURIComponent(approval.id)}/ratio`);
    expect(ratio.status).toBe(200);
    const windows = ratio.body.windows as {
      start: string;
      placed: number;
      cancelled: number;
      ratio: number;
    }[];
    expect(windows.length).toBeGreaterThan(20);
    const opened = approval.id.slice(approval.id.lastIndexOf('#') + 1);
    const before = windows.filter((w) => w.start < opened && w.ratio !== null);
    const at = windows.find((w) => w.start === opened)!;
    // The window it opened at cancels at several times the ratio of the hours before it.
    const usual =
      before.reduce((sum, w) => sum + w.cancelled, 0) / before.reduce((sum, w) => sum + w.placed, 0);
    expect(at.ratio).toBeGreaterThan(3 * usual);
    const denTimeline = await apiRequest(base, 'GET', `/incidents/${encodeURIComponent(denId)}/timeline`);
    // From the refused task back to the first: its own revert (which finds nothing moved), then the rest.
    expect(denTimeline.body.saga.compensations.map((c: { detailType: string }) => c.detailType)).toEqual([
      'revert_reroute',
      'resume_warehouse_intake',
      'close_incident_ticket',
    ]);
    const agents = await apiRequest(base, 'GET', '/agents');
    expect(agents.body.agents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'planning-agent',
          autonomy: 'autonomous',
          budget: expect.objectContaining({ ceilingUsd: 20, spentMicroUsd: expect.any(Number) }),
        }),
        expect.objectContaining({ name: 'monitoring-agent', autonomy: 'revoked', autonomySource: 'default' }),
      ]),
    );
    const missing = await apiRequest(
      base,
      'GET',
      `/incidents/${encodeURIComponent('warehouse#WH-XYZ#2026-01-01T00:00:00Z')}/timeline`,
    );
    expect(missing).toMatchObject({
      status: 404,
      contentType: 'application/problem+json',
      body: { type: 'urn:proactive-agents:problem:incident-not-found', title: 'No such incident' },
    });

    // Change management: of the two answers one was a rejection, an override rate over the 25% at which the
    // OverrideRate alarm (metric math on the API's EMF metrics) fires once its hour has been evaluated.
    await sandbox.advanceTo(sandbox.clock.now() + 2 * 3_600_000);
    const overrideRate = sandbox.cloudwatch.transitions.filter((t) =>
      t.logicalId.startsWith('OperationsOverrideRate'),
    );
    expect(overrideRate.map((t) => t.to)).toContain('ALARM');
    // The same metrics, read back by GET /override-rate (the function's GetMetricData on the sandbox's CloudWatch),
    // over the day ending at the replay's time: two decisions, one overridden, in the hours the answers fell in.
    const end = new Date(sandbox.clock.now()).toISOString();
    const rate = await apiRequest(base, 'GET', `/override-rate?hours=24&end=${encodeURIComponent(end)}`);
    expect(rate.status).toBe(200);
    expect(rate.body).toMatchObject({ decisions: 2, overrides: 1, rate: 0.5, threshold: 0.25 });
    const hours = rate.body.hours as { decisions: number; overrides: number; rate: number | null }[];
    expect(hours).toHaveLength(24);
    const decided = hours.filter((hour) => hour.decisions > 0);
    expect(decided.reduce((sum, hour) => sum + hour.overrides, 0)).toBe(1);
    for (const hour of decided) expect(hour.rate).toBe(hour.overrides / hour.decisions);
  }, 600_000);
});
