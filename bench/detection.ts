/**
 * Scores the cancellation-spike detector on labelled streams: the same `observeOrders` code path as the monitoring
 * Lambda (parse with the contract, count into windows, assess, attribute, deduplicate), on the in-memory
 * WindowStore, fed in batches of about one minute of event time (at most 100 events, like the SQS mapping) in
 * the streams' ARRIVAL order, late and out-of-order events included.
 *
 * Streams come from three generators written independently of each other — `scenarios/generate.ts`,
 * `scenarios/generate-fleet.ts` (hubs, time zones, bursty arrivals, long-tailed cancellation delays, pairs of
 * warehouses failing at once…) and `scenarios/generate-regimes.ts` (written in round 6 from the event contracts
 * only: Markov-modulated arrivals, Pareto-sized warehouses across the world's time zones, heavy-tailed baskets,
 * incidents as a hazard on open orders, slow ramps, quiet warehouses, promotions that raise cancellations too,
 * feed gaps that lose events or deliver them in one late burst, duplicate deliveries) — each on TRAINING seeds
 * (what the detector's defaults were chosen on) and HELD-OUT seeds (for reporting; examined after round 1 of
 * tuning, so round 2 also reports FRESH seeds, fixed before any of them was scored), reported side by side with
 * recall per incident kind.
 *
 *   npx tsx bench/detection.ts                          # all three generators, training and held-out seeds
 *   npx tsx bench/detection.ts --split training         # only the training seeds (what tuning may look at)
 *   npx tsx bench/detection.ts --split fresh            # seeds kept unseen until round 2's final report
 *   npx tsx bench/detection.ts --split round4           # seeds kept unseen until round 4's final report
 *   npx tsx bench/detection.ts --split round5           # seeds kept unseen until round 5's final report
 *   npx tsx bench/detection.ts --split round6           # seeds of all three, kept unseen until round 6's report
 *   npx tsx bench/detection.ts --split round7           # seeds of all three, kept unseen until round 7's report
 *   npx tsx bench/detection.ts --split round8           # seeds of all three, kept unseen until round 8's report
 *   npx tsx bench/detection.ts --generator regimes      # only one generator (`generate`, `fleet` or `regimes`)
 *   npx tsx bench/detection.ts --out /tmp/streams       # … and write the streams (events + ground truth) there
 *   npx tsx bench/detection.ts a.ndjson:a.truth.json …  # score streams from files (truth of any generator)
 *   DETECTOR_CONFIG='{"maxPValue":1e-6}' npx tsx bench/detection.ts   # with configuration overrides
 *   npx tsx bench/detection.ts --detail                 # … and a line per detected incident, with its lag
 *
 * Scoring, per ground-truth incident and per published spike:
 * - a spike matches an incident when its scope (type and id) is the incident's and it was detected between the
 *   incident's start and 30 minutes after its end; the first match is a true positive, with detection lag =
 *   detection time − incident start, where detection time is the event time of the newest fact in the batch
 *   that published it;
 * - every other spike is a false alarm — a second spike for a matched incident too, and a region incident
 *   reported as a warehouse one (or the other way round) is a false alarm plus a missed incident;
 * - precision, recall and F1 over incidents; false alarms per day of stream; lag p50 / p95 over true positives;
 *   recall per incident kind (the `kind` of generate-fleet.ts and generate-regimes.ts; for `generate.ts`, the scope type);
 * - the same per scope size, the trade-off an operator weighs: regions, hub warehouses (at least twice the
 *   stream's median warehouse's orders) and other warehouses — each with its incidents, recall, false alarms
 *   per day (a false alarm counts in the size of the scope it named) and lag.
 * It also times `observeOrders` against a reference measured in the same run: a loop that only parses the same
 * envelopes with the contract.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { MemoryWindowStore } from '../lambdas/adapters/memory-window-store';
import type { OrderCancellationSpike } from '../lambdas/domain/contracts/platform';
import { parseEvent, type ParsedEvent } from '../lambdas/domain/contracts/parse';
import { resolveDetectorConfig, type DetectorConfig } from '../lambdas/domain/monitoring/detector-config';
import { observeOrders } from '../lambdas/domain/monitoring/monitor';
import { orderFactOf, warehouseAndRegionScopes } from '../lambdas/domain/monitoring/windows';
import { generateStream, presetSpec, writeStream } from '../scenarios/generate';
import { fleetPresetSpec, generateFleetStream, writeFleetStream } from '../scenarios/generate-fleet';
import { generateRegimeStream, regimePresetSpec, writeRegimeStream } from '../scenarios/generate-regimes';

type Generator = 'generate' | 'fleet' | 'regimes';
type Split = 'training' | 'held-out' | 'fresh' | 'round4' | 'round5' | 'round6' | 'round7' | 'round8';

/**
 * First seed of each split and generator (the presets take consecutive seeds). `held-out` (31–35, 101–104) was
 * scored and examined after round 1 of tuning, so it is no longer clean; `fresh` (41–45, 201–204) was fixed
 * before any of its streams was scored, for a single report at the end of round 2. Round 3 examined held-out
 * failures to understand them (every change was chosen on training seeds) and scored fresh once more, at its end,
 * without diagnosing any of its streams. Round 4 added `round4` (51–55, 301–304) before any of its streams was
 * scored: tuning looked at training seeds only (and at held-out failures, to understand them), and round4 was
 * scored once, for the final report. Round 5 added `round5` (61–65, 401–404) before any of its streams was
 * scored, under the same rules: changes were kept only when they helped training and held-out seeds alike
 * (held-out, fresh and round4 have all been seen by now), and round5 was scored once, for the final report.
 *
 * Round 5 found no such change, and kept the defaults. Scored once at its end, round5 showed a failure that no
 * earlier split had: in a thin region (`low-traffic-noisy`), three warehouses each opened an incident inside the
 * region's open one, overruling it because "the region beyond the warehouses named" was empty and so showed no
 * excess. The overrule now needs that rest to cancel significantly less than the region's lift would make it
 * (attribution.ts, restBelowRegionWide): no change on training, held-out, fresh or round4 (every figure equal);
 * round5, no longer unseen for it, went from 9 to 7 generate false alarms. Where the lag comes from: for 18 of the 21 training
 * incidents of `generate.ts`, the spike was published in the batch where its scope first tested anomalous
 * (attribution waited 2–9 minutes on the other three), so lag is the time a scope takes to reach the block
 * test's threshold — about 8 cancellations in a block expecting one, about 11 minutes for a warehouse taking
 * 2 orders a minute with 0.3 extra cancellations per order. What was tried (F1 / false alarms a day / lag p50;
 * defaults: generate training 1.000 / 0.00 / 7.9, held-out 0.977 / 0.08 / 15.9; fleet training 0.955 / 0.18 /
 * 5.7, held-out 0.920 / 0.27 / 5.4), each rejected:
 * - the predictive's dispersion learnt from the scope's own baseline half hours (method of moments, shrunk
 *   toward ratioVariation²): generate held-out lag 13.9, but fleet held-out 0.899 / 0.45 and training 0.932 —
 *   regions then alarmed after promotions and under drift, which the fixed 20% ratio variation absorbs; widening
 *   only (never below 20%) lost a fleet training region incident and changed nothing held-out;
 * - baselineHalfLifeWindows 72 (a baseline twice as precise, slower to follow drifts): generate held-out lag
 *   12.8, fleet held-out 0.932, but fleet training 0.944 and round4 0.945 → 0.913 (0.36 → 0.55 false alarms);
 * - maxPValue 3e-4: generate held-out lag 10.9 but 0.933 / 0.25, fleet held-out 0.36 false alarms a day;
 * - recentWindows 1 (a 5-minute block too): no lag gained on generate, a false alarm more on each generator;
 * - spreadLogLikelihoodRatio 4.6 (attribution decided at once only at 100:1): fleet training 0.966 / 0.09, but
 *   held-out unchanged and generate held-out lag 16.9.
 *
 * Round 6 added a third generator, `scenarios/generate-regimes.ts`, written from the event contracts alone
 * (training 701–704, held-out 801–804), and `round6` (71–75, 501–504, 901–904), fixed before any of its streams
 * was scored. Its first version labelled any incident expected to add 12 cancellations: over their whole span,
 * half of them were less plain than 10^−6.3 (a Poisson tail at the usual ratio; 10^−30 for generate-fleet.ts,
 * 10^−72 for generate.ts), labels no detector could honour within 0.2 false alarms a day (F1 0.500 training,
 * 0.400 held-out). The generator now labels an incident only when its expected cancellations over its span are
 * plainer than 10^−10 (it lengthens or moves the others). Scored with the defaults: training 0.960 / 0.600 /
 * 0.738, 0.07 false alarms a day, lag p50 39.0; held-out 1.000 / 0.500 / 0.667, 0.00, 39.0. Most of its misses
 * never test anomalous at all: slow ramps, quiet warehouses and moderate region lifts whose excess never fills a
 * 40-minute block; a few are held by attribution's wait (an ambiguous anomaly must have been anomalous in each of
 * the 3 windows before, and a thin warehouse's anomaly flickers). What was tried, on the training seeds of all
 * three (F1 / false alarms a day / lag p50; defaults generate 1.000 / 0.00 / 7.9, fleet 0.955 / 0.18 / 5.7,
 * regimes 0.738 / 0.07 / 39.0), each rejected:
 * - the ambiguity wait satisfied by elevated (not anomalous) windows: regimes 0.727 (a false alarm more, no
 *   incident more), the others unchanged;
 * - a false-alarm budget per scope-day (maxPValue × 1/P(a window has a cancellation), at most ×10, so thin
 *   scopes, judged on few windows, get a looser threshold): regimes 0.789, but generate 0.955 / 0.17 and fleet
 *   0.923 / 0.45 — at thin traffic the tail is heavier than the negative binomial says;
 * - a longer baseline half-life for thin scopes (up to ×4 below 20 weighted cancellations): regimes 0.746, fleet
 *   0.944 / 0.27;
 * - longestRecentWindows 16 (an 80-minute block among the Bonferroni-corrected ones): regimes 0.776, fleet lag
 *   p50 6.4 (p95 19.1 → 25.7); 32: fleet 0.933 / 0.36; the 80-minute block with a tenth of the budget: regimes
 *   0.738, fleet lag 6.3;
 * - an 80-minute accumulation block held to each fast block's threshold, in addition to them, reported only when
 *   it alarms alone: regimes 0.794, generate and fleet unchanged — but it kept incidents open 80 minutes after
 *   they ended, so the walk-through's two WH-NYC spikes became one incident; alarming only while a fast block
 *   is elevated: regimes 0.758, fleet 0.944 / 0.27 (an incident closed and opened again). Kept as the option
 *   `accumulationWindows`, off by default.
 * So the defaults stayed as they were. `round6`, scored once at the end with them: generate.ts 0.947 / 0.900 /
 * 0.923, 0.08 false alarms a day, lag p50 8.9; generate-fleet.ts 0.955 / 0.977 / 0.966, 0.18, 4.7;
 * generate-regimes.ts 0.958 / 0.575 / 0.719, 0.07, 44.9.
 *
 * Round 7 added `round7` (81–85, 601–604, 1001–1004) before any tuning, and this bench prints lag p50 per incident
 * kind. It found a generator bug: generate-regimes.ts scaled incidents to, and judged their evidence against, a
 * usual ratio that left out duplicate checkouts (their twins, always cancelled, add about 0.9% to every scope) and
 * basket sizes (×1.1 on average) — 10–110% below what its streams show, so incidents were weaker than their
 * `factor` (a "×8.9" step showed ×3.2) and 20 of the 40 training labels were less plain than 10^−10 once drawn
 * (6 less than 10^−5). Fixed (its `usualRatio`), every regimes stream changed; defaults on the fixed streams
 * (F1 / false alarms a day / lag p50): training 0.778 / 0.29 / 32.9, held-out 0.829 / 0.07 / 41.6 (generate.ts
 * and generate-fleet.ts unchanged). What bounds the rest, on the training seeds: 4 of the 40 incidents show less
 * than 10^−6 over their whole span even to an observer told the scope, start and end (about where chance
 * reaches, by estimate, when every start and length of 208 scope-days is scanned); told the start, one test at
 * 10^−4 is passed within 10 minutes for 6 of 40 (median 29 minutes: step 35, ramp 50, region-ramp 40, double 28,
 * quiet 18, region 12, promo 12) — the lag goal is out of reach for these kinds whatever the detector. And the predictive itself caps long blocks: with a 20% ratio variation a 2×
 * lift over 40 expected cancellations is only 10^−2.8, and a quiet warehouse's thin baseline (shape about 8) makes
 * 20 cancellations against 3.9 expected only 10^−4.8 — so lifts under about 2.3×, and quiet warehouses' slow
 * excess, stay unseen at any block length.
 *
 * Changed: a sequential test (`sequentialWindows` 24, `sequentialLift` 2.5, `sequentialLogLikelihoodRatio` 11 in
 * detector-config.ts): a CUSUM of the log-likelihood ratio over the last 2 hours that restarts after each alarm,
 * whose run is then tested as one more block, its tail corrected for the 12 lengths it could have chosen; the fast
 * blocks' correction is unchanged. Training: generate.ts 1.000 / 0.00 / 7.9, generate-fleet.ts 0.955 / 0.18 /
 * 5.7 (both unchanged), regimes 0.778 / 0.29 / 32.9 → 0.795 / 0.29 / 34.9 (a region incident more, recall by kind
 * double 4/6, promo 2/2, quiet 5/7, ramp 5/8, region 4/4, region-drift 1/2, region-ramp 3/3, step 5/8); held-out:
 * generate.ts 0.977 / 0.08 / 15.9 and generate-fleet.ts 0.920 / 0.27 / 5.4 (unchanged), regimes 0.829 / 0.07 /
 * 41.6 → 0.845 / 0.07 / 41.6 (a step more). Rejected, on the training seeds of all three (then held-out):
 * - the run held to the fast blocks' correction, all four blocks corrected for 4 (alarm level 9): fleet 0.923 /
 *   0.45, lag 6.4; regimes 0.800 / 0.36; at level 13: regimes 0.779 / 0.50;
 * - the fast blocks kept at their correction for 3 and the run held to it too (level 11): regimes 0.800 / 0.36
 *   (2 incidents more, and a double failure reported as its region), the others unchanged on training — but
 *   held-out fleet 0.920 / 0.27 → 0.909 / 0.36 (a 2-hour chance cluster at a warehouse); tuned to a 3× lift
 *   instead: fleet training 0.923 / 0.45; to 2× at level 10: as at 2.5×;
 * - with the correction: a 3-hour span, identical to 2 hours; alarm level 9: regimes 0.767 / 0.36.
 * `round7`, scored once at the end with these defaults: generate.ts 0.955, 0.17 false alarms a day, lag p50 10.9;
 * generate-fleet.ts 0.944, 0.27, 6.5; generate-regimes.ts 0.857, 0.00, 32.9.
 *
 * Round 8 added `round8` (91–95, 701–704, 1101–1104) before anything was tuned. A missed regimes step (LHR2 in
 * regime-week#702: 20 cancellations on 70 orders over 90 minutes against about 4 expected) showed the CUSUM, tuned to
 * a 2.5× lift, peaking at 10.8 of its 11: a lift of ×5–×10 on a thin warehouse gains ln 2.5 per cancellation where
 * its own lift would gain about twice that. Tried, on the training seeds of all three: a second CUSUM tuned to a 6×
 * lift beside the first, each alarming at 11 + ln 2 (two tests): regimes 0.795 / 0.29 → 0.816 / 0.36 (two more
 * found, one false alarm more), generate.ts unchanged, but generate-fleet.ts 0.955 / 0.18 → 0.933 / 0.36 — it
 * alarmed on a region after its hub warehouse's incident had closed (the cancellations trailing that incident) and
 * opened one warehouse incident twice. Rejected; the defaults are unchanged, so `round8` stays unscored for a round
 * that changes them.
 */
const firstSeed: Record<Split, Partial<Record<Generator, number>>> = {
  training: { generate: 11, fleet: 1, regimes: 701 },
  'held-out': { generate: 31, fleet: 101, regimes: 801 },
  fresh: { generate: 41, fleet: 201 },
  round4: { generate: 51, fleet: 301 },
  round5: { generate: 61, fleet: 401 },
  round6: { generate: 71, fleet: 501, regimes: 901 },
  round7: { generate: 81, fleet: 601, regimes: 1001 },
  round8: { generate: 91, fleet: 701, regimes: 1101 },
};

/**
 * The bench's streams: fixed seeds. Training seeds are what the detector's defaults were chosen on (for
 * `generate.ts`, the seeds this bench always had); held-out, fresh, round4, round5, round6, round7 and round8 seeds are only for
 * reporting (see `firstSeed`; `generate-regimes.ts` has training, held-out, round6, round7 and round8 seeds only). Without `--split`, training and held-out are run (the others only when asked for).
 */
const benchStreams: readonly { generator: Generator; split: Split; preset: string; seed: number }[] = [
  ...(['training', 'held-out', 'fresh', 'round4', 'round5', 'round6', 'round7', 'round8'] as const).flatMap(
    (split) =>
      (
        [
          ['generate', ['baseline-day', 'warehouse-day', 'region-day', 'week', 'low-traffic-noisy']],
          ['fleet', ['fleet-day', 'fleet-week', 'fleet-wide', 'fleet-thin']],
          ['regimes', ['regime-day', 'regime-week', 'regime-global', 'regime-sparse']],
        ] as const
      ).flatMap(([generator, presets]) => {
        const first = firstSeed[split][generator];
        return first === undefined
          ? []
          : presets.map((preset, i) => ({ generator, split, preset, seed: first + i }));
      }),
  ),
];

/** One incident kind's incidents, detections and lags (minutes). */
interface KindTally {
  incidents: number;
  detected: number;
  lagsMinutes: number[];
}

/** What the bench reads of either generator's ground truth. */
interface GroundTruth {
  spec: { days: number };
  incidents: {
    id: string;
    kind?: string;
    scope: { type: 'warehouse' | 'region'; id: string };
    start: string;
    end: string;
    extraCancellationsPerOrder?: number;
    factor?: number;
  }[];
}

const MINUTE_MS = 60_000;
const MATCH_AFTER_END_MS = 30 * MINUTE_MS;
const SQS_BATCH_SIZE = 100;

type OrderEvent = ParsedEvent<'order_placed' | 'order_cancelled'>;

interface LabelledStream {
  name: string;
  /** `generator / split` of a bench stream, or `files`. */
  group: string;
  lines: string[];
  truth: GroundTruth;
}

interface Detection {
  spike: OrderCancellationSpike;
  detectedAt: number;
}

interface StreamScore {
  name: string;
  group: string;
  /** Per incident kind: incidents, how many were detected, and their lags. */
  byKind: Map<string, KindTally>;
  /** Per scope size (see {@link scopeSizes}): incidents, detections, false alarms and lags. */
  bySize: Map<ScopeSize, SizeTally>;
  days: number;
  events: number;
  incidents: number;
  truePositives: number;
  falseAlarms: number;
  missed: number;
  lagsMinutes: number[];
  notes: string[];
  /** One line per detected incident, with its lag (printed with --detail). */
  details: string[];
  observeMs: number;
  parseMs: number;
}

/** ~1 minute of event time per batch, in arrival order: a batch closes when an event from a later minute arrives. */
function batchesOf(events: readonly OrderEvent[]): OrderEvent[][] {
  const batches: OrderEvent[][] = [];
  let current: OrderEvent[] = [];
  let minute = -Infinity;
  for (const event of events) {
    const at = Math.floor(Date.parse(event.time) / MINUTE_MS);
    if (current.length > 0 && (at > minute || current.length >= SQS_BATCH_SIZE)) {
      batches.push(current);
      current = [];
    }
    current.push(event);
    minute = Math.max(minute, at);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

async function detect(
  events: readonly OrderEvent[],
  config: DetectorConfig,
): Promise<{ detections: Detection[]; observeMs: number }> {
  const store = new MemoryWindowStore();
  const detections: Detection[] = [];
  // One spike per incident key, as the monitoring agent publishes them (Powertools idempotency).
  const published = new Set<string>();
  let observeMs = 0;
  for (const batch of batchesOf(events)) {
    const facts = batch.map(orderFactOf);
    const started = performance.now();
    const spikes = (await observeOrders(facts, store, config, warehouseAndRegionScopes)).filter(
      (spike) => !published.has(spike.incidentKey) && published.add(spike.incidentKey),
    );
    observeMs += performance.now() - started;
    const detectedAt = batch.reduce((latest, e) => Math.max(latest, Date.parse(e.time)), -Infinity);
    for (const spike of spikes) detections.push({ spike, detectedAt });
  }
  return { detections, observeMs };
}

/** Scope sizes an operator tells apart: a region, a hub warehouse, any other warehouse. */
type ScopeSize = 'region' | 'hub warehouse' | 'warehouse';
const scopeSizeOrder: readonly ScopeSize[] = ['region', 'hub warehouse', 'warehouse'];

interface SizeTally {
  incidents: number;
  detected: number;
  falseAlarms: number;
  lagsMinutes: number[];
}

/**
 * The size of each scope of a stream, from its own orders (neither generator's labels): a warehouse is a hub when
 * it placed at least twice as many orders as the stream's median warehouse.
 */
function scopeSizes(events: readonly OrderEvent[]): (scope: { type: string; id: string }) => ScopeSize {
  const placed = new Map<string, number>();
  for (const event of events) {
    if (event.detailType !== 'order_placed') continue;
    placed.set(event.detail.warehouseId, (placed.get(event.detail.warehouseId) ?? 0) + 1);
  }
  const volumes = [...placed.values()].sort((a, b) => a - b);
  const median = volumes[Math.floor((volumes.length - 1) / 2)] ?? 0;
  return (scope) => {
    if (scope.type === 'region') return 'region';
    return median > 0 && (placed.get(scope.id) ?? 0) >= 2 * median ? 'hub warehouse' : 'warehouse';
  };
}

const hhmm = (ms: number) => new Date(ms).toISOString().slice(5, 16).replace('T', ' ');

function score(
  stream: LabelledStream,
  detections: readonly Detection[],
  sizeOf: (scope: { type: string; id: string }) => ScopeSize,
): Omit<StreamScore, 'observeMs' | 'parseMs'> {
  const kindOf = (incident: GroundTruth['incidents'][number]) => incident.kind ?? incident.scope.type;
  const strength = (incident: GroundTruth['incidents'][number]) =>
    `${incident.factor === undefined ? '' : `×${incident.factor.toFixed(1)}, `}+${incident.extraCancellationsPerOrder ?? '?'} cancellations/order, ${kindOf(incident)}`;
  const { truth } = stream;
  const matched = new Map<string, number>();
  const notes: string[] = [];
  const details: string[] = [];
  const bySize = new Map<ScopeSize, SizeTally>();
  const sizeTally = (scope: { type: string; id: string }) => {
    const size = sizeOf(scope);
    let tally = bySize.get(size);
    if (!tally) {
      tally = { incidents: 0, detected: 0, falseAlarms: 0, lagsMinutes: [] };
      bySize.set(size, tally);
    }
    return tally;
  };
  let falseAlarms = 0;
  for (const { spike, detectedAt } of [...detections].sort((a, b) => a.detectedAt - b.detectedAt)) {
    const incident = truth.incidents.find(
      (i) =>
        i.scope.type === spike.scope.type &&
        i.scope.id === spike.scope.id &&
        detectedAt >= Date.parse(i.start) &&
        detectedAt <= Date.parse(i.end) + MATCH_AFTER_END_MS,
    );
    const label = `${spike.scope.type} ${spike.scope.id} at ${hhmm(detectedAt)} (observed ${(spike.observedRatio * 100).toFixed(1)}% vs ${(spike.baselineRatio * 100).toFixed(1)}%, ${spike.cancelled}/${spike.placed}, score ${spike.score.toFixed(1)})`;
    if (incident && !matched.has(incident.id)) {
      const lag = (detectedAt - Date.parse(incident.start)) / MINUTE_MS;
      matched.set(incident.id, lag);
      details.push(`detected after ${lag.toFixed(1)} min: ${label} (${strength(incident)})`);
    } else {
      falseAlarms++;
      sizeTally(spike.scope).falseAlarms++;
      notes.push(`false alarm: ${label}${incident ? ' — second spike for one incident' : ''}`);
    }
  }
  for (const incident of truth.incidents) {
    if (!matched.has(incident.id)) {
      notes.push(
        `missed: ${incident.scope.type} ${incident.scope.id} ${hhmm(Date.parse(incident.start))}–${hhmm(Date.parse(incident.end)).slice(6)} (${strength(incident)})`,
      );
    }
  }
  const byKind = new Map<string, KindTally>();
  for (const incident of truth.incidents) {
    const tally = byKind.get(kindOf(incident)) ?? { incidents: 0, detected: 0, lagsMinutes: [] };
    tally.incidents++;
    const kindLag = matched.get(incident.id);
    if (kindLag !== undefined) {
      tally.detected++;
      tally.lagsMinutes.push(kindLag);
    }
    byKind.set(kindOf(incident), tally);
    const size = sizeTally(incident.scope);
    size.incidents++;
    const lag = matched.get(incident.id);
    if (lag !== undefined) {
      size.detected++;
      size.lagsMinutes.push(lag);
    }
  }
  return {
    name: stream.name,
    group: stream.group,
    byKind,
    bySize,
    days: truth.spec.days,
    events: stream.lines.length,
    incidents: truth.incidents.length,
    truePositives: matched.size,
    falseAlarms,
    missed: truth.incidents.length - matched.size,
    lagsMinutes: [...matched.values()],
    notes,
    details,
  };
}

/** Nearest-rank percentile; NaN for no values. */
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

function metrics(
  s: Pick<StreamScore, 'truePositives' | 'falseAlarms' | 'incidents' | 'days' | 'lagsMinutes'>,
) {
  const precision =
    s.truePositives + s.falseAlarms === 0 ? 1 : s.truePositives / (s.truePositives + s.falseAlarms);
  const recall = s.incidents === 0 ? 1 : s.truePositives / s.incidents;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return {
    precision,
    recall,
    f1,
    falseAlarmsPerDay: s.falseAlarms / s.days,
    lagP50: percentile(s.lagsMinutes, 50),
    lagP95: percentile(s.lagsMinutes, 95),
  };
}

function row(cells: readonly (string | number)[], widths: readonly number[]): string {
  return cells
    .map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i] ?? 0) : String(cell).padStart(widths[i] ?? 0)))
    .join('  ');
}

const fixed = (value: number, digits: number) => (Number.isNaN(value) ? '—' : value.toFixed(digits));

/** Precision, recall, F1, false alarms per day, lag p50 and p95: the columns every table shows. */
const metricCells = (m: ReturnType<typeof metrics>): string[] => [
  fixed(m.precision, 3),
  fixed(m.recall, 3),
  fixed(m.f1, 3),
  fixed(m.falseAlarmsPerDay, 2),
  fixed(m.lagP50, 1),
  fixed(m.lagP95, 1),
];

const generatorFiles: Record<Generator, string> = {
  generate: 'generate.ts',
  fleet: 'generate-fleet.ts',
  regimes: 'generate-regimes.ts',
};

function loadStreams(args: readonly string[]): LabelledStream[] {
  const files = args.filter((a) => a.includes(':') && !a.startsWith('--'));
  if (files.length > 0) {
    return files.map((pair) => {
      const [events = '', truth = ''] = pair.split(':');
      const lines = readFileSync(events, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
      return {
        name: events.replace(/^.*\//, '').replace(/\.ndjson$/, ''),
        group: 'files',
        lines,
        truth: JSON.parse(readFileSync(truth, 'utf8')) as GroundTruth,
      };
    });
  }
  const option = (name: string) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const out = option('out');
  const split = option('split');
  const generator = option('generator');
  return benchStreams
    .filter(
      (s) =>
        (split === undefined ? s.split === 'training' || s.split === 'held-out' : s.split === split) &&
        (generator === undefined || s.generator === generator),
    )
    .map(({ generator, split, preset, seed }) => {
      const group = `${generatorFiles[generator]} / ${split}`;
      if (generator === 'regimes') {
        const stream = generateRegimeStream(regimePresetSpec(preset, seed));
        if (out) writeRegimeStream(stream, out);
        return { name: `${preset}#${seed}`, group, lines: stream.lines, truth: stream.truth };
      }
      if (generator === 'fleet') {
        const stream = generateFleetStream(fleetPresetSpec(preset, seed));
        if (out) writeFleetStream(stream, out);
        return { name: `${preset}#${seed}`, group, lines: stream.lines, truth: stream.truth };
      }
      const stream = generateStream(presetSpec(preset, seed));
      if (out) writeStream(stream, out);
      return {
        name: `${preset}#${seed}`,
        group,
        lines: stream.events.map((e) => JSON.stringify(e)),
        truth: stream.truth,
      };
    });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const config = resolveDetectorConfig(
    process.env.DETECTOR_CONFIG ? (JSON.parse(process.env.DETECTOR_CONFIG) as unknown) : {},
  );
  const generationStarted = performance.now();
  const streams = loadStreams(args);
  const generationMs = performance.now() - generationStarted;

  const scores: StreamScore[] = [];
  for (const stream of streams) {
    // Reference: the parse the handler does anyway, alone, on the same lines.
    const parseStarted = performance.now();
    const events = stream.lines.map((line) => parseEvent(line, ['order_placed', 'order_cancelled']));
    const parseMs = performance.now() - parseStarted;
    const { detections, observeMs } = await detect(events, config);
    scores.push({ ...score(stream, detections, scopeSizes(events)), observeMs, parseMs });
  }

  const widths = [26, 5, 8, 5, 4, 4, 4, 9, 6, 6, 8, 7, 7];
  const header = [
    'stream',
    'days',
    'events',
    'truth',
    'TP',
    'FP',
    'FN',
    'precision',
    'recall',
    'F1',
    'FA/day',
    'lag p50',
    'lag p95',
  ];
  const rule = row(
    widths.map((w) => '-'.repeat(w)),
    widths,
  );
  console.log(
    `cancellation-spike detection (${streams.length} streams, generated in ${(generationMs / 1000).toFixed(1)} s)`,
  );
  const line = (s: Totals) => {
    const m = metrics(s);
    return row(
      [
        s.name,
        fixed(s.days, 0),
        s.events,
        s.incidents,
        s.truePositives,
        s.falseAlarms,
        s.missed,
        ...metricCells(m),
      ],
      widths,
    );
  };
  const groups = [...new Set(scores.map((s) => s.group))];
  const totals = groups.map((group) =>
    totalOf(
      group,
      scores.filter((s) => s.group === group),
    ),
  );
  for (const [g, group] of groups.entries()) {
    const total = totals[g];
    if (total === undefined) throw new Error(`no total for ${group}`);
    console.log(`\n${group}\n`);
    console.log(row(header, widths));
    console.log(rule);
    for (const s of scores.filter((s) => s.group === group)) console.log(line(s));
    console.log(rule);
    console.log(line(total));
  }

  // Side by side: each generator's training and held-out seeds, with recall per incident kind.
  const kinds = [...new Set(scores.flatMap((s) => [...s.byKind.keys()]))].sort();
  console.log('\nby generator and split\n');
  const sideWidths = [32, 6, 6, 6, 7, 7, 7, ...kinds.map((k) => Math.max(9, k.length))];
  console.log(
    row(['group', 'P', 'R', 'F1', 'FA/day', 'lag p50', 'lag p95', ...kinds.map((k) => `R ${k}`)], sideWidths),
  );
  console.log(
    row(
      sideWidths.map((w) => '-'.repeat(w)),
      sideWidths,
    ),
  );
  for (const t of totals) {
    const m = metrics(t);
    console.log(
      row(
        [
          t.name,
          ...metricCells(m),
          ...kinds.map((k) => {
            const tally = t.byKind.get(k);
            return tally ? `${tally.detected}/${tally.incidents}` : '—';
          }),
        ],
        sideWidths,
      ),
    );
  }
  console.log('\nlag: minutes of event time from incident start to the batch that published the spike');

  // Lag per incident kind: where the lag goal is within reach, and where the evidence comes too slowly for it.
  console.log('\nlag p50 by incident kind (minutes; detected incidents only)\n');
  console.log(
    row(['group', ...kinds.map((k) => `lag ${k}`)], [32, ...kinds.map((k) => Math.max(9, k.length + 4))]),
  );
  for (const t of totals) {
    console.log(
      row(
        [t.name, ...kinds.map((k) => fixed(percentile(t.byKind.get(k)?.lagsMinutes ?? [], 50), 1))],
        [32, ...kinds.map((k) => Math.max(9, k.length + 4))],
      ),
    );
  }

  // Per scope size: where the detector is fast, where it is slow, and where its false alarms come from.
  console.log("\nby scope size (hub warehouse: at least twice the median warehouse's orders)\n");
  const sizeWidths = [32, 14, 9, 6, 6, 7, 7, 7];
  const sizeHeader = ['group', 'size', 'incidents', 'R', 'FA', 'FA/day', 'lag p50', 'lag p95'];
  console.log(row(sizeHeader, sizeWidths));
  console.log(
    row(
      sizeWidths.map((w) => '-'.repeat(w)),
      sizeWidths,
    ),
  );
  for (const t of totals) {
    for (const size of scopeSizeOrder) {
      const tally = t.bySize.get(size);
      if (!tally) continue;
      console.log(
        row(
          [
            t.name,
            size,
            tally.incidents,
            tally.incidents === 0 ? '—' : fixed(tally.detected / tally.incidents, 3),
            tally.falseAlarms,
            fixed(tally.falseAlarms / t.days, 2),
            fixed(percentile(tally.lagsMinutes, 50), 1),
            fixed(percentile(tally.lagsMinutes, 95), 1),
          ],
          sizeWidths,
        ),
      );
    }
  }

  const notes = scores.flatMap((s) =>
    [...(args.includes('--detail') ? s.details : []), ...s.notes].map((n) => `  ${s.group} ${s.name}: ${n}`),
  );
  if (notes.length > 0) console.log(`\n${notes.join('\n')}`);

  const events = scores.reduce((sum, s) => sum + s.events, 0);
  const observeMs = scores.reduce((sum, s) => sum + s.observeMs, 0);
  const parseMs = scores.reduce((sum, s) => sum + s.parseMs, 0);
  const observeRate = events / (observeMs / 1000);
  const parseRate = events / (parseMs / 1000);
  console.log(
    `\nthroughput: observeOrders + MemoryWindowStore ${Math.round(observeRate).toLocaleString('en-US')} events/s; ` +
      `reference (contract parse only, same events) ${Math.round(parseRate).toLocaleString('en-US')} events/s; ` +
      `ratio ${(parseRate / observeRate).toFixed(1)}× the reference's time per event`,
  );
  for (const t of totals) {
    const m = metrics(t);
    console.log(
      `targets (${t.name}): F1 ≥ 0.95 ${m.f1 >= 0.95 ? 'met' : 'NOT met'}, false alarms/day ≤ 0.2 ${m.falseAlarmsPerDay <= 0.2 ? 'met' : 'NOT met'}, lag p50 < 10 min ${m.lagP50 < 10 ? 'met' : 'NOT met'}`,
    );
  }
}

type Totals = Pick<
  StreamScore,
  | 'name'
  | 'days'
  | 'events'
  | 'incidents'
  | 'truePositives'
  | 'falseAlarms'
  | 'missed'
  | 'lagsMinutes'
  | 'byKind'
  | 'bySize'
>;

function totalOf(name: string, scores: readonly StreamScore[]): Totals {
  const byKind = new Map<string, KindTally>();
  for (const s of scores) {
    for (const [kind, tally] of s.byKind) {
      const sum = byKind.get(kind) ?? { incidents: 0, detected: 0, lagsMinutes: [] };
      sum.incidents += tally.incidents;
      sum.detected += tally.detected;
      for (const lag of tally.lagsMinutes) sum.lagsMinutes.push(lag);
      byKind.set(kind, sum);
    }
  }
  const bySize = new Map<ScopeSize, SizeTally>();
  for (const s of scores) {
    for (const [size, tally] of s.bySize) {
      const sum = bySize.get(size) ?? { incidents: 0, detected: 0, falseAlarms: 0, lagsMinutes: [] };
      sum.incidents += tally.incidents;
      sum.detected += tally.detected;
      sum.falseAlarms += tally.falseAlarms;
      sum.lagsMinutes.push(...tally.lagsMinutes);
      bySize.set(size, sum);
    }
  }
  return {
    name,
    days: scores.reduce((sum, s) => sum + s.days, 0),
    events: scores.reduce((sum, s) => sum + s.events, 0),
    incidents: scores.reduce((sum, s) => sum + s.incidents, 0),
    truePositives: scores.reduce((sum, s) => sum + s.truePositives, 0),
    falseAlarms: scores.reduce((sum, s) => sum + s.falseAlarms, 0),
    missed: scores.reduce((sum, s) => sum + s.missed, 0),
    lagsMinutes: scores.flatMap((s) => s.lagsMinutes),
    byKind,
    bySize,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
