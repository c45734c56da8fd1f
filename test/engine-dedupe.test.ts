// dedupe-after-resume: repeats replayed after a reconnect are dropped, nothing else.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { from } from 'rxjs';
import { dedupeAfterResume } from '../src/pipeline/dedupe-after-resume';
import { DELIVERED_MEMORY, REPLAY_MARGIN_NANO, ResumePoint, type ResumeBoundary } from '../src/pipeline/resume-point';
import type { DockerEvent } from '../src/pipeline/parse-event';

const ev = (t: bigint | null, tag: string): DockerEvent => ({
  payload: Buffer.from(`{"Type":"container","Action":"${tag}","timeNano":${t ?? 0}}`),
  timeNano: t,
  type: 'container',
  action: tag,
  actorId: null,
  execId: null,
  enriched: false,
});

function pass(boundary: ResumeBoundary, events: DockerEvent[]): string[] {
  const out: string[] = [];
  from(events).pipe(dedupeAfterResume(boundary)).subscribe((e) => out.push(e.action));
  return out;
}

const S = 1_000_000_000n;

test('live start: nothing to drop, since is null until markLive', () => {
  const point = new ResumePoint(0n);
  assert.equal(point.sinceNano(), null);
  assert.deepEqual(pass(point.boundary(), [ev(1n, 'a'), ev(null, 'b')]), ['a', 'b']);
  point.markLive(500n);
  assert.equal(point.sinceNano(), 500n);
  assert.equal(point.boundary().fromNano, null, 'nothing delivered: nothing to drop');
});

test('after a reconnect: replay from the margin before the newest; delivered ones dropped, a different one at the same time kept', () => {
  const point = new ResumePoint(0n);
  const t = 100n * S;
  [ev(t - 2n * S, 'old'), ev(t, 'a'), ev(t + 20n, 'b'), ev(t + 20n, 'c')].forEach((e) => point.record(e));
  assert.equal(point.sinceNano(), t + 20n - REPLAY_MARGIN_NANO);
  const replay = [ev(t - 2n * S, 'old'), ev(t, 'a'), ev(t + 20n, 'b'), ev(t + 20n, 'c'), ev(t + 20n, 'd'), ev(null, 'untimed'), ev(t + 30n, 'e')];
  assert.deepEqual(pass(point.boundary(), replay), ['d', 'untimed', 'e']);
});

test('events the daemon published out of time order: the late one is not lost, the early one not repeated', () => {
  // Delivered: x at t+10, then y at t+5 (published after x though stamped before). Never delivered: z at t+7,
  // which the daemon published after y. A replay from just after y's or x's time would lose z or repeat x.
  const point = new ResumePoint(0n);
  const t = 100n * S;
  point.record(ev(t + 10n, 'x'));
  point.record(ev(t + 5n, 'y'));
  assert.deepEqual(pass(point.boundary(), [ev(t + 10n, 'x'), ev(t + 5n, 'y'), ev(t + 7n, 'z')]), ['z']);
});

test('resume from the plugin: its delivered times are dropped whatever their bytes, others after the margin kept', () => {
  const t = 100n * S;
  const point = new ResumePoint(t + 10n, [t - 5n * S, t + 5n, t + 10n]);
  assert.equal(point.sinceNano(), t + 10n - REPLAY_MARGIN_NANO);
  const replay = [ev(t + 10n - REPLAY_MARGIN_NANO - 1n, 'before'), ev(t + 5n, 'y'), ev(t + 7n, 'z'), ev(t + 10n, 'x'), ev(t + 11n, 'new')];
  assert.deepEqual(pass(point.boundary(), replay), ['z', 'new']);
  point.record(ev(t + 11n, 'new'));
  assert.deepEqual(pass(point.boundary(), [ev(t + 10n, 'x'), ev(t + 11n, 'new'), ev(t + 11n, 'other')]), ['other']);
});

test('resume from the plugin without deliveredNano: only sinceNano itself is known', () => {
  const t = 100n * S;
  const point = new ResumePoint(t);
  assert.deepEqual(pass(point.boundary(), [ev(t, 'a'), ev(t + 1n, 'b')]), ['b']);
});

test('more delivered than remembered: the replay starts at the oldest one remembered, never repeats', () => {
  const point = new ResumePoint(0n);
  const t = 100n * S;
  const delivered = Array.from({ length: DELIVERED_MEMORY + 100 }, (_, i) => ev(t + BigInt(i), `e${i}`));
  delivered.forEach((e) => point.record(e));
  assert.equal(point.sinceNano(), t + 100n, 'the oldest of the last DELIVERED_MEMORY');
  assert.deepEqual(pass(point.boundary(), delivered), []);
});

test('the boundary is fixed per connection: live events out of order are not dropped', () => {
  const point = new ResumePoint(0n);
  point.record(ev(10n * S, 'a'));
  const boundary = point.boundary();
  assert.deepEqual(pass(boundary, [ev(12n * S, 'x'), ev(11n * S, 'y')]), ['x', 'y']);
});
