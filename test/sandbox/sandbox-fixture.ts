import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureAssembly } from '../../local/assembly';
import { Sandbox } from '../../local/sandbox';
import { loadTemplate } from '../../local/template';
import type { ReplayInput } from '../../local/cli-input';
import { networkEvents } from '../../scenarios/network-events';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const assemblyDir = path.join(repoRoot, 'cdk.out');

/**
 * Gives the commands this test file runs (`npm start`, `npm run approve`, `npm run shadow` …) a sandbox directory
 * of their own (`PROACTIVE_AGENTS_SANDBOX_DIR`, inherited by the processes it spawns): its endpoint record, last
 * run and logs stay apart from those of other test files running at the same time. Jest gives each test file its
 * own copy of `process.env`.
 */
export function ownSandboxDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pa-sandbox-dir-'));
  process.env.PROACTIVE_AGENTS_SANDBOX_DIR = dir;
  return dir;
}

/** Synthesizes once (reusing an up-to-date cdk.out) and starts a fresh sandbox on it. */
export async function startSandbox(
  startTime?: number,
  options: { onlyConsumers?: readonly string[]; traces?: boolean } = {},
): Promise<Sandbox> {
  ensureAssembly(repoRoot, assemblyDir, () => undefined);
  return Sandbox.start({ assemblyDir, startTime, ...options });
}

/**
 * Every consumer of the template (agents by service name, and the state machines) except `left` — for a
 * sandbox in which those agents are down and their events reach no one.
 */
export function consumersExcept(...left: string[]): string[] {
  ensureAssembly(repoRoot, assemblyDir, () => undefined);
  const template = loadTemplate(assemblyDir, {
    region: 'us-east-1',
    accountId: '123456789012',
    endpoint: '',
  });
  const agents = template
    .resourcesOfType('AWS::Lambda::Function')
    .map(
      ([, resource]) =>
        (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
          ?.POWERTOOLS_SERVICE_NAME,
    )
    .filter((name): name is string => typeof name === 'string');
  const stateMachines = template
    .resourcesOfType('AWS::StepFunctions::StateMachine')
    .map(([logicalId]) => template.physicalName(logicalId));
  return [...agents, ...stateMachines].filter((name) => !left.includes(name));
}

/** A retail envelope as an order service emits it. */
export function orderEvent(
  detailType: 'order_placed' | 'order_cancelled',
  time: string,
  detail: Record<string, unknown>,
  id = `${detailType}-${String(detail.orderId)}`,
): Record<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source: 'retail.orders',
    account: '123456789012',
    time,
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

/**
 * The walk-through's inputs as `npm start` replays them: the fulfillment network (config/retail-network.json)
 * published a minute before the first order, then the orders.
 */
export function withWalkthroughNetwork(inputs: ReplayInput[]): ReplayInput[] {
  const at = inputs[0]!.time - 60_000;
  const network = networkEvents(path.join(repoRoot, 'config', 'retail-network.json'), new Date(at));
  return [...network.map((raw) => ({ raw, time: at, line: 0 })), ...inputs];
}

/** The remediation saga's state machine ARN (the template has the recovery watch's too). */
export function sagaStateMachineArn(sandbox: Sandbox): string {
  const saga = sandbox.sfn
    .listStateMachines()
    .stateMachines.filter((machine) => machine.name.startsWith('RemediationSaga'));
  if (saga.length !== 1) throw new Error(`expected one remediation saga, found ${saga.length}`);
  return saga[0]!.stateMachineArn;
}
