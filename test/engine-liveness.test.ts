// A daemon that goes silent is noticed: a real dockerd reached over TCP (plain, and mutual TLS) through a
// relay that freezes its connections (test/support/freezing-relay.ts), as a NAT gateway or firewall does to
// an idle long-lived connection. Containers started after the freeze must each reach the engine exactly
// once (the liveness check replaces the dead stream and the resume replays what it missed), and a healthy
// quiet stream is never replaced.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import tls from 'node:tls';
import { type TestContext, beforeEach, describe, test } from 'node:test';
import { uniqueName } from './support/docker-cli';
import { EngineProcess, type Frame, json, TYPE_EVENT, TYPE_READY, TYPE_STATS } from './support/engine-process';
import { FreezingRelay } from './support/freezing-relay';
import { type TestDaemon, useTestDaemon } from './support/test-daemon';

const LIVENESS_MS = 1000;
const LIFECYCLE = ['create', 'start', 'die', 'destroy'];

interface ContainerEvent {
  host?: string;
  Type?: string;
  Action?: string;
  Actor?: { Attributes?: Record<string, string> };
}

function startEngine(openParams: string, config: object = {}): EngineProcess {
  return EngineProcess.start({ openParams, config: { openTimeoutMs: 8000, livenessIntervalMs: LIVENESS_MS, logLevel: 'debug', ...config } });
}

/** Is `f` the `action` event of container `name` (from fan-in endpoint `host`, when given)? */
function isEvent(f: Frame, name: string, action: string, host?: string): boolean {
  if (f.type !== TYPE_EVENT) return false;
  const e = json(f) as ContainerEvent;
  return e.Type === 'container' && e.Action === action && e.Actor?.Attributes?.['name'] === name && (host === undefined || e.host === host);
}

/** Events of container `name` with `action` the engine delivered (from `host`, when given). */
function delivered(engine: EngineProcess, name: string, action: string, host?: string): number {
  return engine.framesOf(TYPE_EVENT).filter((f) => isEvent(f, name, action, host)).length;
}

async function waitLifecycle(engine: EngineProcess, name: string, host?: string, timeoutMs = 20_000): Promise<void> {
  for (const action of LIFECYCLE) {
    await engine.waitFrame((f) => isEvent(f, name, action, host), `the ${action} event of ${name}${host ? ` from ${host}` : ''}`, timeoutMs);
  }
}

function assertOnce(engine: EngineProcess, names: readonly string[], host?: string): void {
  for (const name of names) {
    for (const action of LIFECYCLE) {
      assert.equal(delivered(engine, name, action, host), 1, `${action} of ${name}${host ? ` from ${host}` : ''} exactly once\n${engine.describe()}`);
    }
  }
}

/** The latest STATS counter `key`. */
function stat(engine: EngineProcess, key: string): number {
  const frames = engine.framesOf(TYPE_STATS);
  return frames.length === 0 ? 0 : Number(json(frames[frames.length - 1])[key] ?? 0);
}

async function frozenPathScenario(t: TestContext, daemon: TestDaemon, config: object): Promise<void> {
  const relay = await FreezingRelay.start({ host: '127.0.0.1', port: daemon.tcpPort });
  const engine = startEngine(relay.url, config);
  try {
    await engine.waitFrameOfType(TYPE_READY, 15_000);
    const before = uniqueName('before-freeze');
    await daemon.docker('run', '--rm', '--name', before, 'local/busybox', 'true');
    await waitLifecycle(engine, before);

    relay.freeze();
    const frozenAt = performance.now();
    const names = [uniqueName('frozen-a'), uniqueName('frozen-b'), uniqueName('frozen-c')];
    for (const name of names) await daemon.docker('run', '--rm', '--name', name, 'local/busybox', 'true');
    await waitLifecycle(engine, names[0]);
    const resumedAfterMs = performance.now() - frozenAt;
    for (const name of names.slice(1)) await waitLifecycle(engine, name);

    assertOnce(engine, [before, ...names]);
    assert.ok(engine.logLines.some((l) => /^warning ERR_STREAM_STALLED the event stream from tcp:\/\/127\.0\.0\.1:\d+ delivered nothing for [\d.]+ s while the daemon published events .*; reconnecting$/.test(l)), engine.describe());
    await engine.waitFor(() => (stat(engine, 'stalledStreams') >= 1 ? true : undefined), 'STATS stalledStreams', 5000);
    t.diagnostic(`published after the freeze: ${names.length * LIFECYCLE.length}, delivered once each; freeze → first event after it: ${resumedAfterMs.toFixed(0)} ms`);
  } finally {
    engine.kill();
    await relay.close();
  }
}

describe('liveness over plain TCP to a real dockerd', () => {
  const daemonOf = useTestDaemon();
  let daemon: TestDaemon;
  beforeEach(() => {
    daemon = daemonOf();
  });

  test('a frozen path: the stream is found dead and replaced; every event after the freeze arrives exactly once', async (t) => {
    await frozenPathScenario(t, daemon, {});
  });

  test('a path that accepts connections and never answers: the check times out like a dropped connection', async () => {
    const relay = await FreezingRelay.start({ host: '127.0.0.1', port: daemon.tcpPort });
    const engine = startEngine(relay.url, { openTimeoutMs: 3000 });
    try {
      await engine.waitFrameOfType(TYPE_READY, 15_000);
      relay.freeze({ newConnections: true });
      const names = [uniqueName('unanswered-a'), uniqueName('unanswered-b')];
      for (const name of names) await daemon.docker('run', '--rm', '--name', name, 'local/busybox', 'true');
      await engine.waitLog(
        (l) => /^warning ERR_DAEMON_UNREACHABLE the liveness check of tcp:\/\/127\.0\.0\.1:\d+ failed: no answer from the Docker daemon at .* to GET \/info within \d+ ms.*; reconnecting$/.test(l),
        'the check timing out',
        15_000,
      );
      await engine.waitLog((l) => l.includes('reconnect attempt 1 failed'), 'a reconnect that gets no answer either', 15_000);
      relay.thaw();
      for (const name of names) await waitLifecycle(engine, name);
      assertOnce(engine, names);
    } finally {
      engine.kill();
      await relay.close();
    }
  });

  test('fan-in: one endpoint freezes, the other keeps delivering, the frozen one resumes without loss', async () => {
    const [a, b] = await Promise.all([1, 2].map(() => FreezingRelay.start({ host: '127.0.0.1', port: daemon.tcpPort })));
    const engine = startEngine(`${a.url},${b.url}`);
    try {
      await engine.waitFrameOfType(TYPE_READY, 15_000);
      a.freeze();
      const names = [uniqueName('fan-a'), uniqueName('fan-b')];
      for (const name of names) await daemon.docker('run', '--rm', '--name', name, 'local/busybox', 'true');
      for (const name of names) await waitLifecycle(engine, name, b.url);
      for (const name of names) await waitLifecycle(engine, name, a.url);
      const frames = engine.framesOf(TYPE_EVENT);
      const first = (host: string): number => frames.findIndex((f) => isEvent(f, names[0], 'create', host));
      assert.ok(first(b.url) < first(a.url), `the live endpoint delivered before the frozen one resumed\n${engine.describe()}`);
      assertOnce(engine, names, a.url);
      assertOnce(engine, names, b.url);
      assert.ok(engine.logLines.some((l) => l.startsWith(`warning ERR_STREAM_STALLED the event stream from ${a.url} `)), engine.describe());
      assert.ok(!engine.logLines.some((l) => l.startsWith(`warning ERR_STREAM_STALLED the event stream from ${b.url} `)), engine.describe());
    } finally {
      engine.kill();
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('a host name that stops resolving during a reconnect: the error names it, reconnects go on until it resolves', async (t) => {
    const hosts = new HostsEntry(`docker-liveness-${process.pid}.test`, '127.0.0.1');
    if (!(await hosts.writable())) {
      t.skip('/etc/hosts is not writable here');
      return;
    }
    await hosts.add();
    const url = `tcp://${hosts.name}:${daemon.tcpPort}`;
    const engine = startEngine(url);
    try {
      await engine.waitFrameOfType(TYPE_READY, 15_000);
      await hosts.remove();
      await daemon.restart();
      await engine.waitLog(
        (l) => l.includes(`cannot resolve the host name "${hosts.name}" of the Docker daemon at ${url} (ENOTFOUND)`),
        'a reconnect failing on the name',
        20_000,
      );
      await hosts.add();
      await engine.waitLog((l) => l.startsWith(`info - reconnected to ${url}`), 'the reconnect once the name resolves', 20_000);
      const name = uniqueName('resolves-again');
      await daemon.docker('run', '--rm', '--name', name, 'local/busybox', 'true');
      await waitLifecycle(engine, name);
      assertOnce(engine, [name]);
    } finally {
      engine.kill();
      await hosts.remove();
    }
  });

  test('a healthy quiet stream is checked but never replaced', async () => {
    const relay = await FreezingRelay.start({ host: '127.0.0.1', port: daemon.tcpPort });
    const engine = startEngine(relay.url);
    try {
      await engine.waitFrameOfType(TYPE_READY, 15_000);
      const streamConnections = relay.accepted;
      // The first check (the daemon's time) and three more (two requests each) on a quiet stream.
      await relay.waitForAccepted(streamConnections + 6, 15_000);
      const name = uniqueName('quiet');
      await daemon.docker('run', '--rm', '--name', name, 'local/busybox', 'true');
      await waitLifecycle(engine, name);
      assert.ok(!engine.logLines.some((l) => l.includes('ERR_STREAM_STALLED') || l.includes('reconnect')), engine.describe());
      assert.equal(stat(engine, 'reconnects'), 0);
      assert.equal(stat(engine, 'stalledStreams'), 0);
    } finally {
      engine.kill();
      await relay.close();
    }
  });
});

describe('liveness over mutual TLS to a real dockerd', () => {
  const daemonOf = useTestDaemon({ tls: true });
  let daemon: TestDaemon;
  beforeEach(() => {
    daemon = daemonOf();
  });

  test('a frozen TLS path: found dead and replaced; every event after the freeze arrives exactly once', async (t) => {
    const certs = daemon.certificates!;
    await frozenPathScenario(t, daemon, { tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } });
  });

  test("the daemon's certificate rotated: the reconnect verifies the new one against the same CA", async () => {
    const certs = daemon.certificates!;
    const engine = startEngine(daemon.tlsUrl, { tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } });
    try {
      await engine.waitFrameOfType(TYPE_READY, 15_000);
      daemon.serverCertificate = 'rotated';
      await daemon.restart();
      assert.equal(await servedCertificate(daemon.tcpPort), new X509Certificate(await fs.readFile(certs.rotatedCert)).fingerprint256);
      await engine.waitLog((l) => l.startsWith('info - reconnected to tcp://127.0.0.1'), 'the reconnect', 30_000);
      const name = uniqueName('rotated');
      await daemon.docker('run', '--rm', '--name', name, 'local/busybox', 'true');
      await waitLifecycle(engine, name);
      assertOnce(engine, [name]);
      assert.ok(!engine.logLines.some((l) => l.includes('ERR_TLS')), engine.describe());
    } finally {
      engine.kill();
      daemon.serverCertificate = 'valid';
    }
  });
});

/** The SHA-256 fingerprint of the certificate the daemon presents on `port` (not verified: only read). */
function servedCertificate(port: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

/** One line of /etc/hosts, added and removed by the test (getaddrinfo reads the file at each lookup). */
class HostsEntry {
  private static readonly FILE = '/etc/hosts';
  private readonly line: string;

  constructor(
    readonly name: string,
    address: string,
  ) {
    this.line = `${address} ${name}`;
  }

  async writable(): Promise<boolean> {
    try {
      await fs.access(HostsEntry.FILE, fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }

  async add(): Promise<void> {
    const text = await fs.readFile(HostsEntry.FILE, 'utf8');
    if (!text.split('\n').includes(this.line)) await fs.writeFile(HostsEntry.FILE, `${text.replace(/\n?$/, '\n')}${this.line}\n`);
  }

  async remove(): Promise<void> {
    const text = await fs.readFile(HostsEntry.FILE, 'utf8');
    const kept = text.split('\n').filter((l) => l !== this.line);
    if (kept.length !== text.split('\n').length) await fs.writeFile(HostsEntry.FILE, kept.join('\n'));
  }
}
