// tcp:// and TLS against a real, private dockerd (test/support/test-daemon.ts): events of a real container
// over plain TCP and over TLS with client certificates (init_config.tls, and DOCKER_CERT_PATH +
// DOCKER_TLS_VERIFY), and every way TCP/TLS can fail at open, each with its code and a message that names
// the value and what to do.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { parseConfig } from '../src/config/config';
import { EngineError } from '../src/errors';
import { parseDockerHost } from '../transports/docker-host';
import { sourcesFor, testContext } from './support/sources';
import { resolveTls } from '../transports/tls-settings';
import { uniqueName } from './support/docker-cli';
import { EngineProcess, json, TYPE_ERROR, TYPE_EVENT, TYPE_READY, type StartRequestInput } from './support/engine-process';
import { freePort, TestDaemon, useTestDaemon } from './support/test-daemon';

/** The test's environment without any DOCKER_* (each test sets what it means). */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const copy: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('DOCKER_')) copy[key] = value;
  return { ...copy, ...extra };
}

function startEngine(request: StartRequestInput, extraEnv: NodeJS.ProcessEnv = {}): EngineProcess {
  return EngineProcess.start({ ...request, config: { openTimeoutMs: 8000, ...(request.config as object) } }, { env: env(extraEnv) });
}

/** open fails: one ERROR frame with `code` and a message matching `message`, exit 2, no READY. */
async function expectOpenError(engine: EngineProcess, code: string, message: RegExp): Promise<string> {
  try {
    const error = json(await engine.waitFrameOfType(TYPE_ERROR, 15_000));
    assert.equal(error['code'], code, String(error['message']));
    assert.match(String(error['message']), message);
    assert.equal((await engine.waitExit()).code, 2);
    assert.equal(engine.framesOf(TYPE_READY).length, 0, 'no READY');
    return String(error['message']);
  } finally {
    engine.kill();
  }
}

/** Runs a container on `daemon` and waits for its create/start/die/destroy events from `engine`. */
async function expectContainerLifecycle(engine: EngineProcess, daemon: TestDaemon): Promise<void> {
  const name = uniqueName('tcp-tls');
  await daemon.docker('run', '--rm', '--name', name, 'local/busybox', 'true');
  for (const action of ['create', 'start', 'die', 'destroy']) {
    const frame = await engine.waitFrame((f) => {
      if (f.type !== TYPE_EVENT) return false;
      const event = json(f) as { Type?: string; Action?: string; Actor?: { Attributes?: Record<string, string> } };
      return event.Type === 'container' && event.Action === action && event.Actor?.Attributes?.['name'] === name;
    }, `the ${action} event of container ${name}`);
    assert.ok(frame.ts > 0n);
  }
}

async function expectReady(engine: EngineProcess, transport: string): Promise<void> {
  const ready = json(await engine.waitFrameOfType(TYPE_READY, 15_000));
  assert.equal(ready['transport'], transport);
  assert.match(String((ready['daemon'] as { version: string }).version), /^\d+\.\d+/);
}

describe('plain TCP to a real dockerd', () => {
  const daemonOf = useTestDaemon();
  let daemon: TestDaemon;
  beforeEach(() => {
    daemon = daemonOf();
  });

  test('tcp://127.0.0.1:<port>: READY, then the events of a real container lifecycle', async () => {
    const engine = startEngine({ openParams: daemon.tcpUrl });
    try {
      await expectReady(engine, daemon.tcpUrl);
      await expectContainerLifecycle(engine, daemon);
    } finally {
      engine.closeStdin();
      assert.equal((await engine.waitExit()).code, 0);
    }
  });

  test('http://127.0.0.1:<port> and DOCKER_HOST=tcp://… reach it the same way', async () => {
    const url = daemon.tcpUrl.replace('tcp://', 'http://');
    const viaHttp = startEngine({ openParams: url });
    const viaEnv = startEngine({ openParams: '' }, { DOCKER_HOST: daemon.tcpUrl });
    try {
      await expectReady(viaHttp, url);
      await expectReady(viaEnv, daemon.tcpUrl);
    } finally {
      viaHttp.kill();
      viaEnv.kill();
    }
  });

  test('TLS to the plain daemon → ERR_TLS_MISMATCH: it answered in plain HTTP', async () => {
    const url = daemon.tcpUrl.replace('tcp://', 'https://');
    await expectOpenError(
      startEngine({ openParams: url }),
      'ERR_TLS_MISMATCH',
      new RegExp(`^the daemon at ${url} answered in plain HTTP, not TLS \\(TLS because of https://\\); to talk plain HTTP write tcp:// instead of https://`),
    );
  });

  test('nothing listening → ERR_DAEMON_DOWN, over TCP and TLS', async () => {
    const port = await freePort();
    await expectOpenError(
      startEngine({ openParams: `tcp://127.0.0.1:${port}` }),
      'ERR_DAEMON_DOWN',
      new RegExp(`^cannot connect to the Docker daemon at tcp://127.0.0.1:${port}: connection refused; is dockerd running\\?$`),
    );
    await expectOpenError(startEngine({ openParams: `https://127.0.0.1:${port}` }), 'ERR_DAEMON_DOWN', /connection refused/);
  });
});

describe('TLS to a real dockerd --tlsverify', () => {
  let daemon: TestDaemon;
  let certs: NonNullable<TestDaemon['certificates']>;
  let scratch: string;

  before(async () => {
    daemon = await TestDaemon.create({ tls: true });
    certs = daemon.certificates!;
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'tcp-tls-test-'));
    await daemon.start();
    await daemon.loadImage();
  });

  after(async () => {
    await daemon.dispose();
    await fs.rm(scratch, { recursive: true, force: true });
  });

  test('init_config.tls with a client certificate: events of a real container over TLS', async () => {
    const engine = startEngine({ openParams: daemon.tlsUrl, config: { tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } } });
    try {
      await expectReady(engine, daemon.tlsUrl);
      await expectContainerLifecycle(engine, daemon);
      assert.equal(engine.logLines.filter((l) => l.startsWith('warning')).length, 0, engine.describe());
    } finally {
      engine.closeStdin();
      assert.equal((await engine.waitExit()).code, 0);
    }
  });

  test('DOCKER_TLS_VERIFY + DOCKER_CERT_PATH: events of a real container over TLS', async () => {
    const engine = startEngine({ openParams: '' }, { DOCKER_HOST: daemon.tlsUrl, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs.dockerCertPath });
    try {
      await expectReady(engine, daemon.tlsUrl);
      await expectContainerLifecycle(engine, daemon);
    } finally {
      engine.closeStdin();
      assert.equal((await engine.waitExit()).code, 0);
    }
  });

  test('init_config.tls.verify false: connects, and warns once that nothing is verified', async () => {
    const engine = startEngine({
      openParams: daemon.tlsUrl,
      config: { tls: { ca: certs.otherCa, cert: certs.clientCert, key: certs.clientKey, verify: false } },
    });
    try {
      await expectReady(engine, daemon.tlsUrl);
      const warnings = engine.logLines.filter((l) => l.startsWith('warning'));
      assert.equal(warnings.length, 1, engine.describe());
      assert.match(warnings[0] ?? '', /does not verify the daemon's certificate \(init_config.tls.verify is false\)/);
    } finally {
      engine.kill();
    }
  });

  test('a CA that did not sign the daemon certificate → ERR_TLS_VERIFY naming the CA file', async () => {
    await expectOpenError(
      startEngine({ openParams: daemon.tlsUrl, config: { tls: { ca: certs.otherCa, cert: certs.clientCert, key: certs.clientKey } } }),
      'ERR_TLS_VERIFY',
      new RegExp(`^certificate of 127\\.0\\.0\\.1 is not signed by the CA in ${certs.otherCa} \\(init_config\\.tls\\.ca\\)`),
    );
  });

  test('no client certificate for a daemon that requires one → ERR_TLS_HANDSHAKE', async () => {
    await expectOpenError(
      startEngine({ openParams: daemon.tlsUrl, config: { tls: { ca: certs.ca } } }),
      'ERR_TLS_HANDSHAKE',
      /requires a client certificate, and none is configured; set init_config\.tls\.cert and init_config\.tls\.key/,
    );
  });

  test('plain HTTP to the TLS daemon → ERR_TLS_MISMATCH: it answered with TLS; configure TLS', async () => {
    await expectOpenError(
      startEngine({ openParams: daemon.tlsUrl }),
      'ERR_TLS_MISMATCH',
      new RegExp(`^the daemon at ${daemon.tlsUrl} answered with TLS; configure TLS`),
    );
  });

  test('polling over TLS (poll+tcp:// with init_config.tls): events of a real container, the same sockets as streaming', async () => {
    const openParams = `poll+${daemon.tlsUrl}`;
    const engine = startEngine({ openParams, config: { pollIntervalMs: 200, tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } } });
    try {
      await expectReady(engine, openParams);
      await expectContainerLifecycle(engine, daemon);
    } finally {
      engine.closeStdin();
      assert.equal((await engine.waitExit()).code, 0);
    }
  });

  test('polling over TLS fails like streaming: wrong CA → ERR_TLS_VERIFY, plain HTTP → ERR_TLS_MISMATCH', async () => {
    const address = daemon.tlsUrl.slice('tcp://'.length);
    await expectOpenError(
      startEngine({ openParams: `poll+https://${address}`, config: { tls: { ca: certs.otherCa, cert: certs.clientCert, key: certs.clientKey } } }),
      'ERR_TLS_VERIFY',
      new RegExp(`^certificate of 127\\.0\\.0\\.1 is not signed by the CA in ${certs.otherCa} \\(init_config\\.tls\\.ca\\)`),
    );
    await expectOpenError(
      startEngine({ openParams: `poll+http://${address}` }),
      'ERR_TLS_MISMATCH',
      new RegExp(`^the daemon at poll\\+http://${address} answered with TLS; configure TLS`),
    );
  });

  test('an unreadable certificate file → ERR_TLS_CONFIG naming the file and init_config.tls.cert', async () => {
    const missing = path.join(scratch, 'no-such-cert.pem');
    await expectOpenError(
      startEngine({ openParams: daemon.tlsUrl, config: { tls: { ca: certs.ca, cert: missing, key: certs.clientKey } } }),
      'ERR_TLS_CONFIG',
      new RegExp(`^cannot read the TLS client certificate ${missing} \\(from init_config\\.tls\\.cert\\): no such file`),
    );
  });

  test('DOCKER_CERT_PATH without ca.pem → ERR_TLS_CONFIG naming ca.pem and DOCKER_CERT_PATH', async () => {
    const certPath = path.join(scratch, 'empty-cert-path');
    await fs.mkdir(certPath, { recursive: true });
    await expectOpenError(
      startEngine({ openParams: daemon.tlsUrl }, { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath }),
      'ERR_TLS_CONFIG',
      new RegExp(`^cannot read the TLS CA ${certPath}/ca\\.pem \\(from DOCKER_CERT_PATH=${certPath}\\): no such file`),
    );
  });

  test('a key that is not PEM → ERR_TLS_CONFIG naming the files', async () => {
    const badKey = path.join(scratch, 'bad-key.pem');
    await fs.writeFile(badKey, 'not a key\n');
    await expectOpenError(
      startEngine({ openParams: daemon.tlsUrl, config: { tls: { ca: certs.ca, cert: certs.clientCert, key: badKey } } }),
      'ERR_TLS_CONFIG',
      new RegExp(`^the TLS files .*${badKey} \\(init_config\\.tls\\.key\\) cannot be used`),
    );
  });

  // Last: restarts the daemon with a certificate for another name.
  test('a daemon certificate for another name → ERR_TLS_VERIFY naming the expected and the certificate names', async () => {
    daemon.serverCertificate = 'wrong-name';
    await daemon.restart();
    await expectOpenError(
      startEngine({ openParams: daemon.tlsUrl, config: { tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } } }),
      'ERR_TLS_VERIFY',
      /^certificate of the daemon at tcp:\/\/127\.0\.0\.1:\d+ is not for 127\.0\.0\.1: it names DNS:daemon\.invalid, IP Address:10\.255\.255\.1; CN=daemon\.invalid/,
    );
  });
});

describe('TCP addresses and TLS selection', () => {
  test('a bad port → ERR_OPEN_PARAMS at open, naming it', async () => {
    const cases: Array<[string, RegExp]> = [
      ['tcp://127.0.0.1:99999', /^open_params "tcp:\/\/127\.0\.0\.1:99999" has port "99999", which is not a number from 1 to 65535; expected tcp:\/\/host:port/],
      ['tcp://127.0.0.1:abc', /has port "abc", which is not a number from 1 to 65535/],
      ['tcp://127.0.0.1:', /^open_params "tcp:\/\/127\.0\.0\.1:" has no port after the ":"; expected tcp:\/\/host:port/],
      ['https://[::1]:0', /has port "0", which is not a number from 1 to 65535; expected https:\/\/host:port, e\.g\. https:\/\/127\.0\.0\.1:2376/],
    ];
    await Promise.all(cases.map(([openParams, message]) => expectOpenError(startEngine({ openParams }), 'ERR_OPEN_PARAMS', message)));
  });

  test('TLS is chosen by https://, init_config.tls, DOCKER_TLS_VERIFY, DOCKER_TLS or port 2376; explicit settings win', () => {
    const defaults = parseConfig({});
    const withTls = parseConfig({ tls: { ca: '/pki/ca.pem' } });
    const pick = (openParams: string, environment: NodeJS.ProcessEnv, config = defaults) =>
      resolveTls(parseDockerHost(openParams, environment, { explicitTls: config.tls !== undefined }), config.tls);
    assert.equal(pick('tcp://h:2375', {}), null);
    assert.equal(pick('unix:///x.sock', { DOCKER_TLS_VERIFY: '1' }, withTls), null);
    assert.equal(pick('https://h:1234', {})?.reason, 'https://');
    assert.equal(pick('tcp://h:2376', {})?.reason, 'port 2376');
    assert.equal(pick('tcp://h:2376', {})?.verify, true);
    assert.equal(pick('tcp://h', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' })?.ca?.path, '/certs/ca.pem');
    assert.equal(pick('tcp://h', { DOCKER_TLS: '1' })?.verify, false, 'DOCKER_TLS alone: TLS without verification');
    const explicit = pick('tcp://h', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }, withTls);
    assert.deepEqual([explicit?.reason, explicit?.ca?.path, explicit?.ca?.from, explicit?.cert], ['init_config.tls', '/pki/ca.pem', 'init_config.tls.ca', undefined]);
    assert.equal(parseDockerHost('tcp://h', {}, { explicitTls: true }).port, 2376, 'TLS configured: default port 2376');
    assert.equal(parseDockerHost('http://h:2376', {}).tls, undefined, 'http:// is plain even on 2376');
  });

  test('http:// with TLS asked for → ERR_OPEN_PARAMS, never plain text; cert without key → ERR_TLS_CONFIG', () => {
    const expectCode = (code: string, message: RegExp, fn: () => unknown): void => {
      assert.throws(fn, (err: unknown) => err instanceof EngineError && err.code === code && message.test(err.message));
    };
    expectCode('ERR_OPEN_PARAMS', /^open_params "http:\/\/h:2375" asks for plain HTTP, but init_config.tls asks for TLS; write tcp:\/\/h:2375/, () =>
      sourcesFor('http://h:2375', {}, testContext({ tls: {} })),
    );
    expectCode('ERR_OPEN_PARAMS', /but DOCKER_TLS_VERIFY asks for TLS/, () => sourcesFor('http://h:2375', { DOCKER_TLS_VERIFY: '1' }));
    expectCode('ERR_TLS_CONFIG', /^init_config.tls.cert is set but init_config.tls.key is not/, () =>
      sourcesFor('tcp://h:2376', {}, testContext({ tls: { cert: '/c.pem' } })),
    );
  });
});
