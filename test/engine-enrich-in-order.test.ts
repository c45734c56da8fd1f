// The enrichment stage keeps the order of events, holds none longer than waitMs, and counts what became of
// each one's context. Lookups here are promises the test settles by hand.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Subject } from 'rxjs';
import type { Enrichment, Outcome } from '../src/enrichment/container-contexts';
import { enrichInOrder, type EnrichedEvent } from '../src/pipeline/enrich-in-order';
import type { DockerEvent } from '../src/pipeline/parse-event';

const event = (n: number): DockerEvent => ({
  payload: Buffer.from(`{"Type":"container","Action":"start","n":${n}}`),
  timeNano: BigInt(n),
  type: 'container',
  action: 'start',
  actorId: `c${n}`,
  execId: null,
  enriched: false,
});

const context = (n: number): Buffer => Buffer.from(`,"enrichment":{"n":${n}}`);

interface Harness {
  readonly input: Subject<DockerEvent>;
  readonly out: EnrichedEvent[];
  readonly outcomes: Array<Outcome | 'late'>;
  readonly done: Promise<'complete' | Error>;
  readonly settle: Map<number, (e: Enrichment) => void>;
  /** Resolves once `n` events came out. */
  readonly received: (n: number) => Promise<void>;
}

/** Events whose n is in `pending` get a promise the test settles; the others are known at once. */
function harness(waitMs: number, pending: ReadonlySet<number>, maxWaitingBytes = Number.MAX_SAFE_INTEGER): Harness {
  const input = new Subject<DockerEvent>();
  const out: EnrichedEvent[] = [];
  const outcomes: Array<Outcome | 'late'> = [];
  const settle = new Map<number, (e: Enrichment) => void>();
  const waiters: Array<{ readonly n: number; readonly resolve: () => void }> = [];
  const received = (n: number): Promise<void> =>
    out.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }));
  const done = new Promise<'complete' | Error>((resolve) => {
    input
      .pipe(
        enrichInOrder({
          lookup: (e) => {
            const n = Number(e.timeNano);
            if (!pending.has(n)) return { context: context(n), outcome: 'enriched' };
            return new Promise<Enrichment>((resolveLookup) => settle.set(n, resolveLookup));
          },
          waitMs,
          maxWaitingBytes,
          onOutcome: (o) => outcomes.push(o),
        }),
      )
      .subscribe({
        next: (e) => {
          out.push(e);
          for (const w of waiters.filter((w) => out.length >= w.n)) w.resolve();
        },
        complete: () => resolve('complete'), error: (err: Error) => resolve(err) });
  });
  return { input, out, outcomes, done, settle, received };
}

const order = (out: readonly EnrichedEvent[]): number[] => out.map((e) => Number(e.event.timeNano));
const withContext = (out: readonly EnrichedEvent[]): number[] => out.filter((e) => e.context !== null).map((e) => Number(e.event.timeNano));

test('known contexts pass at once; an event waiting for its inspect holds the ones behind it, in order', async () => {
  const h = harness(10_000, new Set([2]));
  h.input.next(event(1));
  h.input.next(event(2));
  h.input.next(event(3));
  assert.deepEqual(order(h.out), [1], 'event 1 went at once; 3 waits behind 2');
  h.settle.get(2)!({ context: context(2), outcome: 'enriched' });
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(order(h.out), [1, 2, 3]);
  assert.deepEqual(withContext(h.out), [1, 2, 3]);
  assert.deepEqual(h.outcomes, ['enriched', 'enriched', 'enriched']);
  h.input.complete();
  assert.equal(await h.done, 'complete');
});

test('an inspect slower than waitMs: the event goes on without context after waitMs, counted late, order kept', async () => {
  const waitMs = 40;
  const h = harness(waitMs, new Set([1, 2]));
  const started = performance.now();
  h.input.next(event(1));
  h.input.next(event(2));
  h.input.next(event(3));
  await h.received(3);
  const first = performance.now() - started;
  assert.deepEqual(order(h.out), [1, 2, 3]);
  assert.deepEqual(withContext(h.out), [3]);
  assert.ok(first >= waitMs - 1, `held ${first.toFixed(1)} ms, at least waitMs`);
  assert.ok(first < waitMs + 500, `held ${first.toFixed(1)} ms, not much more than waitMs`);
  assert.deepEqual(h.outcomes.slice().sort(), ['enriched', 'late', 'late']);
  // The inspect answering afterwards changes nothing already sent and counts nothing more.
  h.settle.get(1)!({ context: context(1), outcome: 'enriched' });
  await Promise.resolve();
  assert.equal(h.out.length, 3);
  assert.equal(h.outcomes.length, 3);
  h.input.complete();
  assert.equal(await h.done, 'complete');
});

test('gone and failed lookups pass the event on without context and say so', async () => {
  const h = harness(10_000, new Set([1, 2]));
  h.input.next(event(1));
  h.input.next(event(2));
  h.settle.get(2)!({ context: null, outcome: 'failed' });
  h.settle.get(1)!({ context: null, outcome: 'gone' });
  h.input.complete();
  assert.equal(await h.done, 'complete');
  assert.deepEqual(order(h.out), [1, 2]);
  assert.deepEqual(withContext(h.out), []);
  assert.deepEqual(h.outcomes, ['failed', 'gone']);
});

test('the stream ending or failing passes on only after the events before it', async () => {
  const ended = harness(10_000, new Set([1]));
  ended.input.next(event(1));
  ended.input.complete();
  let finished = false;
  void ended.done.then(() => (finished = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(finished, false, 'completion waits for the pending event');
  ended.settle.get(1)!({ context: context(1), outcome: 'enriched' });
  assert.equal(await ended.done, 'complete');
  assert.deepEqual(order(ended.out), [1]);

  const broken = harness(10_000, new Set([1]));
  broken.input.next(event(1));
  broken.input.error(new Error('stream reset'));
  broken.settle.get(1)!({ context: null, outcome: 'gone' });
  const result = await broken.done;
  assert.ok(result instanceof Error && result.message === 'stream reset');
  assert.deepEqual(order(broken.out), [1], 'the event before the failure was delivered first');
});

test('waitMs 0: nothing waits; an unknown container is counted late at once and later events of it get the context', () => {
  const h = harness(0, new Set([1]));
  h.input.next(event(1));
  h.input.next(event(2));
  assert.deepEqual(order(h.out), [1, 2]);
  assert.deepEqual(withContext(h.out), [2]);
  assert.deepEqual(h.outcomes, ['late', 'enriched']);
});

test('no more than maxWaitingBytes wait: past them the oldest go on without context at once, in order', async () => {
  const size = event(1).payload.length;
  const h = harness(10_000, new Set([1, 2, 4]), 3 * size);
  for (const n of [1, 2, 3]) h.input.next(event(n));
  assert.deepEqual(order(h.out), [], 'three events fit: all wait behind event 1');
  h.input.next(event(4));
  assert.deepEqual(order(h.out), [1], 'the fourth pushes the oldest out, without its context');
  h.input.next(event(5));
  assert.deepEqual(order(h.out), [1, 2, 3], 'and the next one the second; the third was known and follows it');
  assert.deepEqual(withContext(h.out), [3]);
  assert.deepEqual(h.outcomes.filter((o) => o === 'late'), ['late', 'late']);
  h.settle.get(1)!({ context: context(1), outcome: 'enriched' });
  h.settle.get(4)!({ context: context(4), outcome: 'enriched' });
  await h.received(5);
  assert.deepEqual(order(h.out), [1, 2, 3, 4, 5], 'a settled lookup still frees the events behind it');
  assert.deepEqual(withContext(h.out), [3, 4, 5]);
});
