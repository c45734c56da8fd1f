// Every transport through the real .so, against real daemons: a private
// dockerd on TCP, the same with mutual TLS, polling, a recorded file, and a
// fan-in of two daemons.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { daemonEvents, docker, nowNano, uniqueName } from './support/docker-cli';
import { extractAll, openPluginAsync, payloadOf } from './support/docker-plugin';
import { TestDaemon } from './support/test-daemon';

/** Opens the plugin on `openParams`, makes a volume come and go, and returns its events' fields. */
async function volumeThrough(
  openParams: string,
  config: Record<string, unknown>,
  makeVolume: (name: string) => Promise<void>,
): Promise<Record<string, unknown>[]> {
  const opened = await openPluginAsync(openParams, config);
  try {
    const name = uniqueName('transport');
    const seen = opened.instance.collect({
      until: (evs) => evs.some((e) => payloadOf(e).includes(name) && payloadOf(e).includes('"destroy"')),
      timeoutMs: 30_000,
    });
    await makeVolume(name);
    return (await seen).filter((e) => payloadOf(e).includes(name)).map((e) => extractAll(opened.state, e));
  } finally {
    opened.shutdown();
  }
}

function actions(fields: Record<string, unknown>[]): string[] {
  return fields.map((f) => `${String(f['docker.type'])} ${String(f['docker.action'])}`);
}

describe('transports through libdocker.so', () => {
  let plain: TestDaemon;
  let tls: TestDaemon;

  before(async () => {
    plain = await TestDaemon.create();
    tls = await TestDaemon.create({ tls: true });
    await Promise.all([plain.start(), tls.start()]);
  });

  after(async () => {
    await Promise.all([plain?.dispose(), tls?.dispose()]);
  });

  const volumeOn = (d: TestDaemon) => async (name: string) => {
    await d.docker('volume', 'create', name);
    await d.docker('volume', 'rm', name);
  };

  it('tcp:// (plain TCP)', async () => {
    const fields = await volumeThrough(plain.tcpUrl, {}, volumeOn(plain));
    assert.deepEqual(actions(fields), ['volume create', 'volume destroy']);
    assert.equal(fields[0]?.['docker.host'], plain.tcpUrl);
  });

  it('tcp:// with mutual TLS (init_config.tls)', async () => {
    const certs = tls.certificates;
    assert.ok(certs);
    const config = { tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } };
    const fields = await volumeThrough(tls.tlsUrl, config, volumeOn(tls));
    assert.deepEqual(actions(fields), ['volume create', 'volume destroy']);
  });

  it('TLS without a client certificate is refused at open with the reason', async () => {
    const certs = tls.certificates;
    assert.ok(certs);
    await assert.rejects(openPluginAsync(tls.tlsUrl, { tls: { ca: certs.ca } }), /ERR_TLS_HANDSHAKE: .*client certificate/);
  });

  it('poll+unix:// (polling windows)', async () => {
    const fields = await volumeThrough(`poll+unix://${plain.unixSocket}`, { pollIntervalMs: 200 }, volumeOn(plain));
    assert.deepEqual(actions(fields), ['volume create', 'volume destroy']);
  });

  it('fan-in of two daemons tags each event with its daemon', async () => {
    const opened = await openPluginAsync(`unix://${plain.unixSocket},unix:///var/run/docker.sock`);
    try {
      const a = uniqueName('fanA');
      const b = uniqueName('fanB');
      const seen = opened.instance.collect({
        until: (evs) => [a, b].every((n) => evs.some((e) => payloadOf(e).includes(n))),
        timeoutMs: 30_000,
      });
      await plain.docker('volume', 'create', a);
      await docker('volume', 'create', b);
      const events = await seen;
      await plain.docker('volume', 'rm', a);
      await docker('volume', 'rm', b);
      const hostOf = (name: string): unknown => {
        const event = events.find((e) => payloadOf(e).includes(name));
        assert.ok(event, name);
        return extractAll(opened.state, event)['docker.host'];
      };
      assert.equal(hostOf(a), `unix://${plain.unixSocket}`);
      assert.equal(hostOf(b), 'unix:///var/run/docker.sock');
    } finally {
      opened.shutdown();
    }
  });

  it('file:// replays a recording with the same field values as live, then ends', async () => {
    const since = nowNano() - 1_000_000_000n;
    const live = await volumeThrough('', {}, async (name) => {
      await docker('volume', 'create', name);
      await docker('volume', 'rm', name);
    });
    const recordingDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recording-'));
    const file = path.join(recordingDir, 'events.jsonl');
    const lines = await daemonEvents(since, nowNano() + 1_000_000_000n);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    try {
      const opened = await openPluginAsync(`file://${file}`);
      try {
        const events = [];
        for (;;) {
          const batch = await opened.instance.nextBatch();
          events.push(...batch.events);
          if (batch.rc === 'EOF') break;
          assert.notEqual(batch.rc, 'FAILURE', batch.error);
        }
        assert.equal(events.length, lines.length);
        const replayed = events.map((e) => extractAll(opened.state, e));
        const liveName = String(live[0]?.['docker.actor.id']);
        const strip = (f: Record<string, unknown>) => ({ ...f, 'docker.host': null });
        assert.deepEqual(
          replayed.filter((f) => f['docker.actor.id'] === liveName).map(strip),
          live.map(strip),
        );
        const progress = opened.instance.progress();
        assert.equal(progress.pct, 10000);
      } finally {
        opened.shutdown();
      }
    } finally {
      fs.rmSync(recordingDir, { recursive: true, force: true });
    }
  });
});
