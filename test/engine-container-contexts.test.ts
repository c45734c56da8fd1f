// The cache of container contexts: one inspect per container however many events, a bounded number of
// containers (least recently used forgotten first), forgotten a while after destroy, refreshed after
// update/rename, and an exec's user defaulting to its container's.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InspectRequest } from '../transports/transport';
import { ContainerContexts, MAX_UNANSWERED_INSPECTS, type Enrichment } from '../src/enrichment/container-contexts';
import type { DockerEvent } from '../src/pipeline/parse-event';

function event(id: string, action: string, execId: string | null = null): DockerEvent {
  return { payload: Buffer.from('{}'), timeNano: 1n, type: 'container', action, actorId: id, execId, enriched: false };
}

interface Fixture {
  readonly contexts: ContainerContexts;
  readonly requests: string[];
  readonly clock: { now: number };
  /** Answers per container ID: its User (a number = HTTP failure, null = gone). */
  readonly users: Map<string, string | null>;
}

function fixture(maxContainers = 16, keepAfterDestroyMs = 1000): Fixture {
  const requests: string[] = [];
  const clock = { now: 0 };
  const users = new Map<string, string | null>();
  const inspect = (r: InspectRequest): Promise<unknown> => {
    requests.push(`${r.kind} ${r.id}`);
    if (r.kind === 'image') return Promise.resolve({ RepoDigests: ['local/x@sha256:abc'] });
    if (r.kind === 'exec') return Promise.resolve({ ProcessConfig: { user: r.id === 'as-default' ? '' : '1000', tty: true, entrypoint: 'sh', arguments: [] } });
    const user = users.has(r.id) ? users.get(r.id) : '';
    return Promise.resolve(user === null ? null : { Id: r.id, Image: 'sha256:img', Config: { User: user }, HostConfig: {}, Mounts: [] });
  };
  const contexts = new ContainerContexts({
    inspect,
    maxContainers,
    keepAfterDestroyMs,
    timeoutMs: 1000,
    signal: new AbortController().signal,
    onRequest: () => undefined,
    onFailure: (e) => assert.fail(e.message),
    now: () => clock.now,
  });
  return { contexts, requests, clock, users };
}

async function lookup(contexts: ContainerContexts, e: DockerEvent): Promise<Enrichment> {
  return contexts.lookup(e);
}

function enrichmentOf(found: Enrichment): Record<string, Record<string, unknown>> {
  assert.ok(found.context !== null);
  const text = found.context.toString();
  assert.ok(text.startsWith(',"enrichment":'));
  return JSON.parse(text.slice(',"enrichment":'.length)) as Record<string, Record<string, unknown>>;
}

test('one container inspect (and one image inspect) however many events; later events are answered at once', async () => {
  const { contexts, requests } = fixture();
  const first = await lookup(contexts, event('a', 'create'));
  assert.equal(first.outcome, 'enriched');
  assert.deepEqual(enrichmentOf(first)['image'], { id: 'sha256:img', digest: 'sha256:abc' });
  const again = contexts.lookup(event('a', 'start'));
  assert.ok(!(again instanceof Promise), 'known: no promise');
  assert.equal(again.outcome, 'enriched');
  await lookup(contexts, event('b', 'create'));
  assert.deepEqual(requests, ['container a', 'image sha256:img', 'container b'], 'the image is inspected once');
});

test('beyond maxContainers the least recently used is forgotten and inspected again when it shows up', async () => {
  const { contexts, requests } = fixture(16);
  for (let i = 0; i < 17; i++) await lookup(contexts, event(`c${i}`, 'create'));
  assert.equal(contexts.size, 16);
  const count = (id: string): number => requests.filter((r) => r === `container ${id}`).length;
  assert.ok(!(contexts.lookup(event('c16', 'start')) instanceof Promise), 'the newest is kept');
  await lookup(contexts, event('c0', 'start'));
  assert.equal(count('c0'), 2, 'the oldest was forgotten');
  assert.equal(count('c16'), 1);
});

test('a destroyed container is kept keepAfterDestroyMs, then forgotten', async () => {
  const { contexts, requests, clock } = fixture(16, 1000);
  await lookup(contexts, event('d', 'create'));
  await lookup(contexts, event('d', 'destroy'));
  clock.now = 999;
  assert.ok(!(contexts.lookup(event('d', 'destroy')) instanceof Promise), 'still known just before');
  clock.now = 2001;
  await lookup(contexts, event('d', 'die'));
  assert.equal(requests.filter((r) => r === 'container d').length, 2);
});

test('update and rename inspect the container again; a gone container is remembered as gone', async () => {
  const { contexts, requests, users } = fixture();
  users.set('u', 'alice');
  assert.equal(enrichmentOf(await lookup(contexts, event('u', 'create')))['container']['user'], 'alice');
  users.set('u', 'bob');
  assert.equal(enrichmentOf(await lookup(contexts, event('u', 'update')))['container']['user'], 'bob');
  await lookup(contexts, event('u', 'rename'));
  assert.equal(requests.filter((r) => r === 'container u').length, 3);

  users.set('g', null);
  assert.equal((await lookup(contexts, event('g', 'die'))).outcome, 'gone');
  const again = contexts.lookup(event('g', 'destroy'));
  assert.ok(!(again instanceof Promise) && again.outcome === 'gone' && again.context === null);
  assert.equal(requests.filter((r) => r === 'container g').length, 1);
});

test("exec events carry the exec, its user defaulting to the container's; other event types get nothing", async () => {
  const { contexts, users } = fixture();
  users.set('x', 'app');
  const exec = enrichmentOf(await lookup(contexts, event('x', 'exec_start: sh', 'as-default')));
  assert.deepEqual(exec['exec'], { user: 'app', privileged: false, tty: true, cmdline: 'sh' });
  assert.equal(exec['container']['user'], 'app');
  const explicit = enrichmentOf(await lookup(contexts, event('x', 'exec_create: sh', 'as-1000')));
  assert.equal(explicit['exec']['user'], '1000');
  const network = contexts.lookup({ ...event('n', 'connect'), type: 'network' });
  assert.deepEqual(network, { context: null, outcome: 'none' });
  const replayed = contexts.lookup({ ...event('x', 'start'), enriched: true });
  assert.deepEqual(replayed, { context: null, outcome: 'none' });
});

test('with too many inspects unanswered, a new container is not inspected for now: late at once, asked again later', async () => {
  const requests: string[] = [];
  const answers = new Map<string, (answer: unknown) => void>();
  const contexts = new ContainerContexts({
    inspect: (r) => {
      requests.push(`${r.kind} ${r.id}`);
      if (r.kind === 'image') return Promise.resolve({ RepoDigests: [] });
      return new Promise((resolve) => answers.set(r.id, resolve));
    },
    maxContainers: 10_000,
    keepAfterDestroyMs: 1000,
    timeoutMs: 1000,
    signal: new AbortController().signal,
    onRequest: () => undefined,
    onFailure: (e) => assert.fail(e.message),
  });
  const ids = Array.from({ length: MAX_UNANSWERED_INSPECTS }, (_, i) => `c${i}`);
  const pending = ids.map((id) => contexts.lookup(event(id, 'create')));
  assert.ok(pending.every((p) => p instanceof Promise));
  assert.deepEqual(contexts.lookup(event('one-too-many', 'create')), { context: null, outcome: 'late' });
  assert.ok(contexts.lookup(event('c0', 'start')) instanceof Promise, 'a container already asked about still waits for its answer');
  assert.equal(requests.length, MAX_UNANSWERED_INSPECTS, 'no request for the one too many');

  answers.get('c0')!({ Id: 'c0', Image: 'sha256:img', Config: { User: '' }, HostConfig: {}, Mounts: [] });
  assert.equal((await pending[0]).outcome, 'enriched');
  await new Promise((resolve) => setImmediate(resolve)); // the image inspect of c0 answered too
  const again = contexts.lookup(event('one-too-many', 'start'));
  assert.ok(again instanceof Promise, 'asked once there is room');
  assert.ok(requests.includes('container one-too-many'));
});
