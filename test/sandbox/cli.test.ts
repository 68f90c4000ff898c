import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ownSandboxDir, repoRoot } from './sandbox-fixture';

const run = promisify(execFile);
ownSandboxDir();

describe('npm start -- --events --out', () => {
  it('replays any file of envelopes and writes every event put on the bus', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pa-cli-'));
    const input = path.join(dir, 'invoices.ndjson');
    const out = path.join(dir, 'out.ndjson');
    // A stream no agent subscribes to, out of time order: it passes through untouched.
    const events = [3, 1, 2].map((n) => ({
      version: '0',
      id: `inv-${n}`,
      'detail-type': 'invoice_issued',
      source: 'billing.invoices',
      account: '123456789012',
      time: `2026-11-21T09:0${n}:00Z`,
      region: 'eu-west-1',
      resources: [],
      detail: { invoiceId: `INV-${n}`, amount: n * 10 },
    }));
    writeFileSync(input, events.map((e) => JSON.stringify(e)).join('\n') + '\n');

    const { stdout } = await run('npx', ['tsx', 'local/cli.ts', '--events', input, '--out', out], {
      cwd: repoRoot,
      env: { ...process.env, INIT_CWD: repoRoot },
    });

    const written = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; detail: unknown });
    // Replayed in event-time order, ids and details as they were.
    expect(written.map((e) => e.id)).toEqual(['inv-1', 'inv-2', 'inv-3']);
    expect(written[2]!.detail).toEqual({ invoiceId: 'INV-3', amount: 30 });
    expect(stdout).toMatch(/billing\.invoices +invoice_issued/);
    expect(stdout).toMatch(/wrote 3 events/);
  });

  it('seeds the fulfillment network from --network a minute before the first event', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pa-cli-'));
    const input = path.join(dir, 'orders.ndjson');
    const out = path.join(dir, 'out.ndjson');
    const order = {
      version: '0',
      id: 'o-1',
      'detail-type': 'order_placed',
      source: 'retail.orders',
      account: '123456789012',
      time: '2026-11-21T09:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: {
        orderId: 'O-1',
        customerId: 'C-1',
        warehouseId: 'WH-USS-01',
        region: 'us-south',
        items: [{ sku: 'S', quantity: 1 }],
        total: 10,
      },
    };
    writeFileSync(input, JSON.stringify(order) + '\n');
    const network = path.join('test', 'fixtures', 'network-south.json');

    const { stdout } = await run(
      'npx',
      ['tsx', 'local/cli.ts', '--events', input, '--network', network, '--out', out],
      { cwd: repoRoot, env: { ...process.env, INIT_CWD: repoRoot } },
    );

    const written = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { 'detail-type': string; time: string; detail: { warehouseId: string } },
      );
    const seeds = written.filter((e) => e['detail-type'] === 'warehouse_updated');
    expect(seeds.map((e) => e.detail.warehouseId).sort()).toEqual([
      'WH-USC-02',
      'WH-USC-HUB',
      'WH-USS-01',
      'WH-USS-02',
    ]);
    expect(new Set(seeds.map((e) => e.time))).toEqual(new Set(['2026-11-21T08:59:00Z']));
    expect(stdout).toMatch(
      /first event: warehouse WH-USS-01 \(us-south\) serves 2 region\(s\), capacity 500/,
    );
  });

  it('refuses a network file that breaks the warehouse_updated contract, naming the field', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pa-cli-'));
    const network = path.join(dir, 'network.json');
    writeFileSync(
      network,
      JSON.stringify({ warehouses: [{ warehouseId: 'W', region: 'r', capacity: 'lots', shippingCost: {} }] }),
    );

    const attempt = run('npx', ['tsx', 'local/cli.ts', '--network', network], {
      cwd: repoRoot,
      env: { ...process.env, INIT_CWD: repoRoot },
    });

    await expect(attempt).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('warehouses[0].capacity'),
    });
  });
});
