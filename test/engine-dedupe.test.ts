// dedupe-after-resume: repeats replayed after a reconnect are dropped, nothing else.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { from } from 'rxjs';
import { dedupeAfterResume, ResumePoint, type ResumeBoundary } from '../src/pipeline/dedupe-after-resume';
import type { DockerEvent } from '../src/pipeline/parse-event';

const ev = (t: bigint | null, tag: string): DockerEvent => ({
  payload: Buffer.from(`{"Type":"container","Action":"${tag}","timeNano":${t ?? 0}}`),
  timeNano: t,
  type: 'container',
  action: tag,
});

function pass(boundary: ResumeBoundary, events: DockerEvent[]): string[] {
  const out: string[] = [];
  from(events).pipe(dedupeAfterResume(boundary)).subscribe((e) => out.push(e.action));
  return out;
}

test('live start: nothing to drop, since is null until markLive', () => {
  const point = new ResumePoint(0n);
  assert.equal(point.sinceNano(), null);
  assert.deepEqual(pass(point.boundary(), [ev(1n, 'a'), ev(null, 'b')]), ['a', 'b']);
  point.markLive(500n);
  assert.equal(point.sinceNano(), 500n);
  assert.equal(point.boundary().timeNano, null, 'nothing delivered: nothing to drop');
});

test('after a reconnect: older dropped, identical at the last time dropped, different at that time kept', () => {
  const point = new ResumePoint(0n);
  const delivered = [ev(10n, 'a'), ev(20n, 'b'), ev(20n, 'c')];
  delivered.forEach((e) => point.record(e));
  assert.equal(point.sinceNano(), 20n);
  const replay = [ev(10n, 'a'), ev(20n, 'b'), ev(20n, 'c'), ev(20n, 'd'), ev(null, 'untimed'), ev(30n, 'e'), ev(15n, 'late')];
  assert.deepEqual(pass(point.boundary(), replay), ['d', 'untimed', 'e']);
});

test('resume from the plugin: everything at or before sinceNano is dropped', () => {
  const point = new ResumePoint(20n);
  assert.equal(point.sinceNano(), 20n);
  assert.deepEqual(pass(point.boundary(), [ev(19n, 'a'), ev(20n, 'b'), ev(21n, 'c')]), ['c']);
  point.record(ev(21n, 'c'));
  assert.deepEqual(pass(point.boundary(), [ev(20n, 'b'), ev(21n, 'c'), ev(21n, 'd')]), ['d']);
});

test('the boundary is fixed per connection: live events out of order are not dropped', () => {
  const point = new ResumePoint(0n);
  point.record(ev(10n, 'a'));
  const boundary = point.boundary();
  assert.deepEqual(pass(boundary, [ev(12n, 'x'), ev(11n, 'y')]), ['x', 'y']);
});
