/**
 * Scale: replays N retail events (default 500,000) through the monitoring agent in the sandbox — the real
 * bundle in a worker thread, its SQS buffer and event source mapping, dynalite — and prints events per second,
 * peak memory, and the ratio against a plain loop that only parses the same events (JSON + contract), measured
 * in the same run. Usage: npx tsx bench/replay.ts [--count 500000] [--days 7]
 */
import '../local/polyfills';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parseEvent } from '../lambdas/domain/contracts/parse';
import { ensureAssembly } from '../local/assembly';
import { Sandbox } from '../local/sandbox';
import { generateLoad } from '../scenarios/generate-load';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string' }, days: { type: 'string' } } });
  const count = Number(values.count ?? 500_000);
  const days = Number(values.days ?? 7);
  const root = path.resolve(__dirname, '..');
  ensureAssembly(root, path.join(root, 'cdk.out'), (line) => console.error(line));

  const lines = [...generateLoad({ count, days })].map((event) => JSON.stringify(event));
  console.log(`${count.toLocaleString('en-US')} events over ${days} days of event time`);

  // Reference: a plain loop that only parses the same events.
  let started = process.hrtime.bigint();
  let parsed = 0;
  for (const line of lines) {
    parseEvent(line, ['order_placed', 'order_cancelled']);
    parsed++;
  }
  const referenceSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const inputs = lines.map((line) => {
    const raw = JSON.parse(line) as { time: string };
    return { raw, time: Date.parse(raw.time) };
  });
  const sandbox = await Sandbox.start({
    assemblyDir: path.join(root, 'cdk.out'),
    startTime: inputs[0]!.time - 1000,
    onlyConsumers: ['monitoring-agent'],
  });
  started = process.hrtime.bigint();
  try {
    await sandbox.replay(inputs);
  } finally {
    clearInterval(sampler);
  }
  const sandboxSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [account] = sandbox.accountingReport().filter((a) => a.consumer === 'monitoring-agent');
  const fn = sandbox.functionByService('monitoring-agent');
  await sandbox.stop();

  const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en-US')} events/s`;
  console.log(
    `reference (JSON.parse + contract parse only): ${referenceSeconds.toFixed(2)} s, ${rate(parsed, referenceSeconds)}`,
  );
  console.log(
    `sandbox → monitoring agent:                   ${sandboxSeconds.toFixed(2)} s, ${rate(count, sandboxSeconds)}`,
  );
  console.log(
    `ratio sandbox / reference:                    ${(sandboxSeconds / referenceSeconds).toFixed(1)}×`,
  );
  console.log(
    `invocations: ${fn.invocations}; processed ${account?.processed ?? 0}, in DLQ ${account?.deadLettered ?? 0}, lost ${account?.lost ?? 0}`,
  );
  console.log(`peak RSS: ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
