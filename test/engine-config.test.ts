// init_config defaults and the start request, as units and through the engine process (ERROR frame + exit 2).
// What is accepted or refused, and the wording, is config-cases.test.ts's table.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../src/config/config';
import schema from '../src/config/schema.json';
import { StartRequestError } from '../src/errors';
import { parseStartRequest } from '../src/start-request';
import { EngineProcess, json, TYPE_ERROR } from './support/engine-process';

test('defaults come from the schema, also for no config, null (Falco\'s {}) and ""', () => {
  interface Property {
    default?: unknown;
    properties?: Record<string, Property>;
  }
  /** A scalar's default, or for an object defaulting to {} the defaults of its own keys. */
  const expectedDefault = (p: Property): unknown =>
    p.properties === undefined
      ? p.default
      : Object.fromEntries(Object.entries(p.properties).flatMap(([k, sub]) => (sub.default === undefined ? [] : [[k, expectedDefault(sub)]])));
  const defaults = Object.entries(schema.properties as Record<string, Property>).filter(([, p]) => p.default !== undefined);
  assert.ok(defaults.length >= 6);
  for (const raw of [{}, undefined, null, '']) {
    const config = parseConfig(raw) as unknown as Record<string, unknown>;
    for (const [key, p] of defaults) assert.deepEqual(config[key], expectedDefault(p), `${JSON.stringify(raw)}: ${key}`);
  }
  assert.ok(Object.keys(parseConfig({}).enrichment).length >= 4, 'an object default has its keys\' defaults');
  assert.equal(parseConfig({ tls: {} }).tls?.verify, true);
});

test('given values are kept; the Go plugin flushInterval spellings are accepted', () => {
  const config = parseConfig({ idleWaitMs: 5, logLevel: 'debug', flushInterval: 30, flushinterval: 30 });
  assert.equal(config.idleWaitMs, 5);
  assert.equal(config.logLevel, 'debug');
});

test('the input object is not modified', () => {
  const raw = { idleWaitMs: 5 };
  parseConfig(raw);
  assert.deepEqual(raw, { idleWaitMs: 5 });
});

test('start request: shape checks', () => {
  const ok = parseStartRequest('{"protocol":1,"config":{},"openParams":" unix:///x.sock ","resume":{"sinceNano":"1795773869230402943"}}');
  assert.equal(ok.openParams, 'unix:///x.sock');
  assert.equal(ok.sinceNano, 1795773869230402943n);
  assert.equal(ok.deliveredNanos, undefined);
  const listed = parseStartRequest('{"protocol":1,"resume":{"sinceNano":"20","deliveredNano":["10","20"]}}');
  assert.deepEqual(listed.deliveredNanos, [10n, 20n]);
  const bad: Array<[string, RegExp]> = [
    ['nope', /not JSON/],
    ['[1]', /must be a JSON object/],
    ['{"protocol":2}', /protocol 2 is not supported/],
    ['{"protocol":1,"openParams":5}', /openParams must be a string/],
    ['{"protocol":1,"resume":{"sinceNano":12}}', /resume.sinceNano must be a decimal string/],
    ['{"protocol":1,"resume":{"sinceNano":"-1"}}', /resume.sinceNano/],
    ['{"protocol":1,"resume":{"sinceNano":"18446744073709551616"}}', /resume.sinceNano/],
    ['{"protocol":1,"resume":{"sinceNano":"20","deliveredNano":"10"}}', /resume.deliveredNano must be an array .*\(got "10"\)$/],
    ['{"protocol":1,"resume":{"sinceNano":"20","deliveredNano":["10",11]}}', /resume.deliveredNano\[1\] must be a decimal string .*\(got 11\)$/],
  ];
  for (const [line, reason] of bad) {
    assert.throws(() => parseStartRequest(line), (err: unknown) => err instanceof StartRequestError && reason.test(err.message), line);
  }
});

async function expectError(engine: EngineProcess, code: string, message: RegExp): Promise<void> {
  try {
    const frame = await engine.waitFrameOfType(TYPE_ERROR);
    const error = json(frame);
    assert.equal(error['code'], code);
    assert.match(String(error['message']), message);
    assert.equal((await engine.waitExit()).code, 2);
    assert.ok(engine.logLines.some((l) => l.startsWith(`error ${code} `)), 'logged at error with the code');
    assert.equal(engine.frames.length, 1, 'the ERROR frame is the only frame');
  } finally {
    engine.kill();
  }
}

test('engine: an invalid config → ERROR with every problem, exit 2', async () => {
  await expectError(
    EngineProcess.start({ config: { bufferBytes: 'lots', idleWaitMs: 5000 }, openParams: 'unix:///nonexistent.sock' }),
    'ERR_CONFIG_INVALID',
    /^init_config\.bufferBytes must be an integer \(got "lots"\); init_config\.idleWaitMs must be <= 1000 \(got 5000\)$/,
  );
});

test('engine: a start request that is not JSON → ERR_START_REQUEST', async () => {
  await expectError(EngineProcess.start('hello\n'), 'ERR_START_REQUEST', /not JSON/);
});

test('engine: stdin closed before the start request → ERR_START_REQUEST', async () => {
  const engine = EngineProcess.start('');
  engine.closeStdin();
  await expectError(engine, 'ERR_START_REQUEST', /stdin closed before the start request/);
});
