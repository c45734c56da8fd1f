// Bad init_config, bad open_params, a missing socket and a daemon that is down
// each fail with a stable code and a message naming the problem, and leave
// nothing running.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadPlugin, testConfig } from './support/docker-plugin';
import { engineProcesses } from './support/processes';
import type { Plugin } from '../native/loader/index';

let plugin: Plugin;
before(() => {
  plugin = loadPlugin();
});
after(() => plugin.unload());

function initFails(config: string, message: RegExp): void {
  assert.throws(
    () => plugin.init(config),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ERR_PLUGIN_INIT');
      assert.match(e.message, message);
      return true;
    },
  );
}

function openFails(openParams: string, message: RegExp, config: Record<string, unknown> = {}): void {
  const state = plugin.init(JSON.stringify(testConfig(config)));
  try {
    assert.throws(
      () => state.open(openParams),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'ERR_PLUGIN_OPEN');
        assert.match(e.message, message);
        return true;
      },
    );
    assert.deepEqual(engineProcesses(), [], 'a failed open leaves no engine behind');
  } finally {
    state.destroy();
  }
}

// Schema problems are config-cases.test.ts's table; these are the checks that follow it.
describe('init_config checks that follow the schema', () => {
  it('a missing engine script is named', () =>
    initFails('{"enginePath":"/nonexistent/main.js"}', /init_config\.enginePath \/nonexistent\/main\.js does not exist/));
  it('a node binary that is not executable is named', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notnode-'));
    const file = path.join(dir, 'node');
    fs.writeFileSync(file, '', { mode: 0o644 });
    try {
      initFails(JSON.stringify({ nodePath: file }), /init_config\.nodePath .*\/node is not an executable file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a self-contained engine that is not executable is named', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'noexec-engine-'));
    const engine = path.join(dir, 'docker-engine');
    fs.copyFileSync('/bin/true', engine); // an ELF executable: the library runs it as is, not with node
    fs.chmodSync(engine, 0o644);
    try {
      initFails(JSON.stringify({ enginePath: engine }), /the engine .*\/docker-engine is not executable \(chmod \+x it\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('the Go plugin flushInterval setting is accepted (drop-in) and reported as ignored', () => {
    const state = plugin.init('{"flushInterval":30}');
    const logs = state.drainLogs().map((l) => l.message);
    assert.ok(logs.some((m) => /flushInterval is ignored/.test(m)), JSON.stringify(logs));
    state.destroy();
  });
});

describe('open_params and daemons the plugin cannot use', () => {
  it('an unknown scheme lists the accepted forms', () =>
    openFails('ftp://example', /ERR_OPEN_PARAMS: .*ftp.*unix:\/\//));
  it('a relative socket path is refused', () => openFails('unix://relative.sock', /ERR_OPEN_PARAMS: .*relative/i));
  it('a missing socket is named', () =>
    openFails('unix:///run/nope-docker.sock', /ERR_SOCKET_MISSING: .*\/run\/nope-docker\.sock does not exist/));
  it('a socket nobody listens on means the daemon is down', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'down-'));
    const socket = path.join(dir, 'docker.sock');
    // A socket file whose listener is gone: what a stopped dockerd leaves behind.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    fs.linkSync(socket, `${socket}.kept`);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.renameSync(`${socket}.kept`, socket);
    try {
      openFails(`unix://${socket}`, /ERR_DAEMON_DOWN: .*connection refused.*is dockerd running/i);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a daemon that never answers fails open within openTimeoutMs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'silent-'));
    const socket = path.join(dir, 'docker.sock');
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const started = Date.now();
    try {
      openFails(`unix://${socket}`, /ERR_(DAEMON_UNREACHABLE|ENGINE_TIMEOUT): /, { openTimeoutMs: 1500 });
      assert.ok(Date.now() - started < 10_000, 'bounded by openTimeoutMs');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a node binary that cannot run the engine reports what it printed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'badengine-'));
    const engine = path.join(dir, 'main.js');
    fs.writeFileSync(engine, 'throw new Error("engine exploded at start");\n');
    try {
      openFails('', /ERR_ENGINE_EXITED: the engine exited with status 1 before it was ready.*engine exploded at start/, {
        enginePath: engine,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
