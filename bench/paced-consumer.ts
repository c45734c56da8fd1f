// Falco falling behind, as the overload measurements play it: next_batch back to back, then a pause that
// holds the consumption to `eventsPerS` (Infinity: no pause, Falco keeps up).

import { setTimeout as sleep } from 'node:timers/promises';
import type { PluginInstance } from '../native/loader/index.js';

export interface PacedRun {
  /** Events next_batch returned. */
  delivered: number;
  wallS: number;
}

/** Consumes from `instance` for `durationS` at most `eventsPerS`; throws when the source stops. */
export async function consumeAtPace(instance: PluginInstance, eventsPerS: number, durationS: number): Promise<PacedRun> {
  const startedAt = performance.now();
  const endAt = startedAt + durationS * 1000;
  let delivered = 0;
  while (performance.now() < endAt) {
    const batch = await instance.nextBatch();
    delivered += batch.events.length;
    if (batch.rc === 'FAILURE' || batch.rc === 'NOT_SUPPORTED' || batch.rc === 'EOF') {
      throw new Error(`the source stopped: ${batch.rc}${batch.error ? ` (${batch.error})` : ''}`);
    }
    const aheadMs = (delivered / eventsPerS) * 1000 - (performance.now() - startedAt);
    if (aheadMs > 0) await sleep(Math.min(aheadMs, endAt - performance.now()));
  }
  return { delivered, wallS: (performance.now() - startedAt) / 1000 };
}
