// Latency percentiles (HdrHistogram), the batch-size distribution of one loop, and the spread of a few
// repeated measurements.

import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  /** Percentiles and extremes in ms, from an HdrHistogram of ns values (3 significant digits). */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  min: number;
  mean: number;
  /** Latencies below zero (emission after return: a clock problem, should be 0); counted as 0 in the histogram. */
  negative: number;
}

/** Latencies in ns (any order) → summary in ms. Values are clamped at 0 (negatives are counted apart). */
export function summariseLatencies(latencyNs: ArrayLike<bigint | number>, skip = 0): LatencySummary {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: 3 });
  let negative = 0;
  let min = Infinity;
  let max = 0;
  try {
    for (let i = skip; i < latencyNs.length; i++) {
      const ns = Number(latencyNs[i]);
      if (ns < 0) negative++;
      const clamped = Math.max(0, Math.round(ns));
      if (clamped < min) min = clamped;
      if (clamped > max) max = clamped;
      histogram.recordValue(clamped);
    }
    const count = histogram.totalCount;
    // The histogram answers with its bucket's highest equivalent value (within 0.1 %): never above the true max.
    const at = (p: number): number => (count > 0 ? Math.min(histogram.getValueAtPercentile(p), max) / 1e6 : NaN);
    return {
      count,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: count > 0 ? max / 1e6 : NaN,
      min: count > 0 ? min / 1e6 : NaN,
      mean: count > 0 ? histogram.mean / 1e6 : NaN,
      negative,
    };
  } finally {
    histogram.destroy();
  }
}

/** Upper bounds (inclusive) of the batch-size buckets: 1, 2–3, 4–7, … 64–127, 128–255, 256+. */
export const BATCH_BUCKETS = [1, 3, 7, 15, 31, 63, 127, 255, Infinity] as const;

export function bucketLabel(i: number): string {
  const hi = BATCH_BUCKETS[i];
  const lo = i === 0 ? 1 : BATCH_BUCKETS[i - 1] + 1;
  if (hi === Infinity) return `${lo}+`;
  return lo === hi ? `${lo}` : `${lo}–${hi}`;
}

export interface BatchSummary {
  /** next_batch calls that returned events, and those that returned none (TIMEOUT). */
  batches: number;
  empty: number;
  events: number;
  meanBatch: number;
  maxBatch: number;
  /** Batches with events per bucket of BATCH_BUCKETS (same order). */
  buckets: number[];
}

/** Batches after the first `skipEvents` events (a batch straddling the boundary counts as warm-up). */
export function summariseBatches(sizes: ArrayLike<number>, skipEvents = 0): BatchSummary {
  const buckets: number[] = BATCH_BUCKETS.map(() => 0);
  let seen = 0;
  let batches = 0;
  let empty = 0;
  let events = 0;
  let maxBatch = 0;
  for (let i = 0; i < sizes.length; i++) {
    const n = sizes[i];
    const warm = seen >= skipEvents;
    seen += n;
    if (!warm) continue;
    if (n === 0) {
      empty++;
      continue;
    }
    batches++;
    events += n;
    if (n > maxBatch) maxBatch = n;
    buckets[BATCH_BUCKETS.findIndex((hi) => n <= hi)]++;
  }
  return { batches, empty, events, meanBatch: batches ? events / batches : NaN, maxBatch, buckets };
}

/** Median and p90 (nearest rank) and extremes of a few repeated measurements. */
export interface Spread {
  readonly median: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
}

/** The spread of the finite values (NaN for each figure when there are none). */
export function spread(values: readonly number[]): Spread {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: NaN, p90: NaN, min: NaN, max: NaN };
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p90: at(0.9), min: sorted[0], max: sorted[sorted.length - 1] };
}
