/**
 * Scale: replays an NDJSON stream through the whole app in the sandbox — the same path as
 * `npm start -- --events <file>`: the file streamed line by line, every rule and agent (monitoring, order book,
 * the saga with planning and fulfillment), dynalite — and prints events per second, peak RSS (worker threads
 * included: they share the process), processed / DLQ / lost per consumer, and the ratio against a reference
 * measured in the same run: streaming the same file and parsing each event (JSON + contract) only.
 *
 *   npx tsx bench/replay.ts                          # the labelled 1M-event run: 14 days, 20 warehouses
 *   npx tsx bench/replay.ts --events /tmp/f.ndjson   # any file
 *   npx tsx bench/replay.ts --traffic 0.365          # a smaller generated stream (266,880 events)
 *   npx tsx bench/replay.ts --assembly /tmp/cdk.out   # a copy of cdk.out, used as it is
 *
 * Without `--events` the stream is generated once (scenarios/generate.ts, preset `week` stretched to 14 days
 * over a 20-warehouse network, with its incidents, promotions, gaps and late events) into the temp directory,
 * in a child process so that generating it does not count toward peak memory.
 */
import '../local/polyfills';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parseEvent } from '../lambdas/domain/contracts/parse';
import { ensureAssembly } from '../local/assembly';
import { streamEvents } from '../local/cli-input';
import { replayFile } from '../local/replay-file';
import type { Sandbox } from '../local/sandbox';

const MiB = 1024 * 1024;

/** Generates (once) the labelled stream: `week` preset, 14 days, 20 warehouses in 6 regions. */
function labelledStream(root: string, traffic: string): string {
  const dir = path.join(tmpdir(), `proactive-agents-load-14d-20wh-t${traffic}`);
  const file = path.join(dir, 'week-11.ndjson');
  if (!existsSync(file)) {
    console.error(`generating ${file} ...`);
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'scenarios', 'generate.ts'),
        '--preset',
        'week',
        '--seed',
        '11',
        '--set',
        'days=14',
        '--set',
        'network={"warehouses":20,"regions":6}',
        '--set',
        `traffic=${traffic}`,
        '--out',
        dir,
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  return file;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { events: { type: 'string' }, traffic: { type: 'string' }, assembly: { type: 'string' } },
  });
  const root = path.resolve(__dirname, '..');
  // --assembly <dir>: a cloud assembly synthesized beforehand, used as it is (no synth check).
  const assemblyDir = values.assembly ? path.resolve(values.assembly) : path.join(root, 'cdk.out');
  if (!values.assembly) ensureAssembly(root, assemblyDir, (line) => console.error(line));
  // traffic 1.37 gives 1,000,195 events over the 14 days.
  const file = values.events ? path.resolve(values.events) : labelledStream(root, values.traffic ?? '1.37');

  // Reference: stream the same file and parse each event (JSON + contract), nothing else.
  let started = process.hrtime.bigint();
  let parsed = 0;
  for await (const input of streamEvents(file, () => undefined)) {
    parseEvent(JSON.stringify(input.raw), ['order_placed', 'order_cancelled']);
    parsed++;
  }
  const referenceSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 250);
  // Progress on stderr: RSS (all threads) against the main thread's own heap.
  let running: Sandbox | undefined;
  const progress = setInterval(() => {
    const { rss, heapUsed } = process.memoryUsage();
    void Promise.all([
      ...[...(running?.functions.values() ?? [])].map(async (fn) => {
        const heap = await fn.heap();
        return heap
          ? `${fn.config.environment.POWERTOOLS_SERVICE_NAME ?? fn.config.functionName} ${(heap.used / MiB).toFixed(0)}`
          : '';
      }),
      running?.dynamo?.heap().then((heap) => `dynalite ${(heap.used / MiB).toFixed(0)}`) ?? '',
    ]).then((heaps) =>
      console.error(
        `  … ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(0)} s: ${(running?.bus.archive.length ?? 0).toLocaleString('en-US')} events on the bus; RSS ${(rss / MiB).toFixed(0)} MiB; heap MiB: main ${(heapUsed / MiB).toFixed(0)} ${heaps.filter(Boolean).join(' ')}`,
      ),
    );
  }, 30_000);
  started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const { sandbox, stats, unreadable } = await replayFile(file, {
    assemblyDir,
    onStart: (sandbox) => (running = sandbox),
  }).finally(() => {
    clearInterval(sampler);
    clearInterval(progress);
  });
  const sandboxSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  // CPU time of the whole process (all threads): on a shared machine, a steadier measure than wall time.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // The kernel's high-water mark of the whole process (all threads), in KiB on Linux.
  const maxRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
  const accounts = sandbox.accountingReport();
  // Executions per state machine (the sagas, and the recovery watches that remediated incidents start).
  const executions = sandbox.sfn
    .listStateMachines()
    .stateMachines.map((m) => `${m.name} ${sandbox.sfn.listExecutions(m.stateMachineArn).executions.length}`);
  const onBus = sandbox.bus.archive.length;
  const requests = (await sandbox.dynamo?.requests()) ?? {};
  const requestCount = Object.values(requests).reduce((n, count) => n + count, 0);
  await sandbox.stop();

  const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en-US')} events/s`;
  console.log(
    `${stats.events.toLocaleString('en-US')} events (${stats.late} late, ${unreadable} unreadable) from ${file}; ${stats.steps.toLocaleString('en-US')} one-minute steps`,
  );
  console.log(
    `reference (stream + JSON + contract parse only): ${referenceSeconds.toFixed(2)} s, ${rate(parsed, referenceSeconds)}`,
  );
  console.log(
    `sandbox, whole app (npm start -- --events):      ${sandboxSeconds.toFixed(1)} s, ${rate(stats.events, sandboxSeconds)}`,
  );
  console.log(
    `ratio sandbox / reference:                       ${(sandboxSeconds / referenceSeconds).toFixed(1)}×`,
  );
  console.log(
    `CPU time, all threads:                            ${cpuSeconds.toFixed(1)} s, ${((cpuSeconds / stats.events) * 1e6).toFixed(0)} µs per event`,
  );
  console.log(`peak RSS (process, worker threads included):     ${(maxRss / MiB).toFixed(0)} MiB`);
  console.log(
    `DynamoDB requests: ${requestCount.toLocaleString('en-US')}, ${(requestCount / stats.events).toFixed(3)} per event (${Object.entries(
      requests,
    )
      .sort(([, a], [, b]) => b - a)
      .map(([operation, count]) => `${operation} ${count}`)
      .join(', ')})`,
  );
  console.log(`events on the bus: ${onBus.toLocaleString('en-US')}; executions: ${executions.join(', ')}`);
  for (const a of accounts) {
    console.log(
      `  ${a.consumer.padEnd(42)} routed ${a.routed}, processed ${a.processed}, in DLQ ${a.deadLettered}, pending ${a.pending}, lost ${a.lost}, deliveries ${a.deliveries}`,
    );
  }
  const lost = accounts.reduce((n, a) => n + a.lost, 0);
  if (lost > 0) {
    console.error(`LOST ${lost} event(s)`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
