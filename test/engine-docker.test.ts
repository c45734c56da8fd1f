// The engine against the real Docker daemon: a container's life arrives as EVENT frames whose ts is the
// event's timeNano and whose payload is the daemon's bytes (compared with an independent /events query).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { daemonEvents, DOCKER_SOCKET } from './support/docker-cli';
import { splitEnrichment } from './support/enrichment';
import { EngineProcess, json, TYPE_EVENT, TYPE_READY, type Frame } from './support/engine-process';

const skip = !existsSync(DOCKER_SOCKET) && `no Docker daemon at ${DOCKER_SOCKET}`;
const run = promisify(execFile);

const attributes = (f: Frame): Record<string, string> =>
  ((json(f)['Actor'] as { Attributes?: Record<string, string> } | undefined)?.Attributes ?? {});

test('docker run → create/start/die(exitCode 3)/destroy as EVENT frames, the daemon\'s bytes plus context, ts = timeNano', { skip }, async () => {
  const engine = EngineProcess.start({ openParams: '' });
  try {
    const ready = json(await engine.waitFrameOfType(TYPE_READY, 15_000));
    assert.equal(ready['transport'], 'unix:///var/run/docker.sock');
    const daemon = ready['daemon'] as { version: string; apiVersion: string };
    assert.match(daemon.version, /^\d+\.\d+/);
    assert.match(daemon.apiVersion, /^1\.\d+$/);

    const name = `engine-test-${process.pid}-${Date.now()}`;
    await assert.rejects(run('docker', ['run', '--rm', '--name', name, 'local/busybox', 'sh', '-c', 'exit 3']), (err: { code?: number }) => err.code === 3);

    const ours = (f: Frame): boolean => f.type === TYPE_EVENT && json(f)['Type'] === 'container' && attributes(f)['name'] === name;
    const actionOf = (f: Frame): string => String(json(f)['Action']);
    await engine.waitFor(
      () => (engine.frames.some((f) => ours(f) && actionOf(f) === 'destroy') ? true : undefined),
      `the destroy event of ${name}`,
      15_000,
    );
    const frames = engine.frames.filter(ours);
    const actions = frames.map(actionOf);
    for (const expected of ['create', 'start', 'die', 'destroy']) assert.ok(actions.includes(expected), `${expected} in ${actions.join(',')}`);
    assert.ok(actions.indexOf('create') < actions.indexOf('start') && actions.indexOf('die') < actions.indexOf('destroy'));
    const die = frames.find((f) => actionOf(f) === 'die')!;
    assert.equal(attributes(die)['exitCode'], '3');

    for (const frame of frames) {
      const text = frame.payload.toString('utf8');
      const timeNano = /"timeNano":(\d+)\}$/.exec(splitEnrichment(text).daemonBytes)?.[1];
      assert.ok(timeNano !== undefined, text);
      assert.equal(frame.ts, BigInt(timeNano), 'ts is the event timeNano');
      assert.ok(!text.endsWith('\n'));
    }

    // The daemon's bytes for the same events, fetched independently: the payload is them with the
    // container context inserted (docs/enrichment.md).
    const replay = new Set(await daemonEvents(frames[0].ts, frames[frames.length - 1].ts + 1_000_000_000n));
    for (const frame of frames) {
      assert.ok(replay.has(splitEnrichment(frame.payload).daemonBytes), `payload is the daemon's bytes: ${frame.payload.toString('utf8')}`);
    }

    engine.closeStdin();
    assert.equal((await engine.waitExit(5000)).code, 0);
  } finally {
    engine.kill();
  }
});
