// Each broken fixture is refused the way Falco refuses it: stable code, Falco's message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Plugin } from '../native/loader/index.js';
import { fixturePlugin } from './support/loader-fixtures.js';

const API = "with the framework's API version '3.12.0'";

const refusals: Array<[fixture: string, code: string, message: string | RegExp]> = [
  ['missing_symbol', 'ERR_PLUGIN_SYMBOL', "required symbol not implemented: 'get_last_error'"],
  ['api_major', 'ERR_PLUGIN_API_VERSION', `plugin required API version '4.0.0' not compatible ${API}: major versions disagree`],
  ['api_minor', 'ERR_PLUGIN_API_VERSION', `plugin required API version '3.99.0' not compatible ${API}: framework's minor is less than the requested one`],
  ['api_patch', 'ERR_PLUGIN_API_VERSION', `plugin required API version '3.12.1' not compatible ${API}: framework's patch is less than the requested one`],
  ['api_invalid', 'ERR_PLUGIN_API_VERSION', "plugin provided an invalid required API version: '3.x'"],
  ['bad_version', 'ERR_PLUGIN_VERSION', "plugin provided an invalid version string: '1.2'"],
  ['fields_bad_json', 'ERR_PLUGIN_FIELDS', 'error in plugin fixture: get_fields returned an invalid JSON'],
  ['fields_empty_desc', 'ERR_PLUGIN_FIELDS', 'error in plugin fixture: field JSON entry has no desc'],
  ['fields_dup', 'ERR_PLUGIN_FIELDS', "error in plugin fixture: field 'fixture.name' is defined twice (entries 0 and 1)"],
  ['fields_bad_type', 'ERR_PLUGIN_FIELDS', 'error in plugin fixture: invalid field type int32'],
  ['fields_bad_name', 'ERR_PLUGIN_FIELDS', /^error in plugin fixture: field name 'Fixture\.Name' does not match /],
  ['fields_bad_bool', 'ERR_PLUGIN_FIELDS', 'error in plugin fixture: field fixture.tags isList property is not boolean'],
  ['half_sourcing', 'ERR_PLUGIN_CAPABILITY', "broken plugin capabilities: must implement all of 'plugin_open', 'plugin_close', and 'plugin_next_batch' (event sourcing)"],
  ['half_extraction', 'ERR_PLUGIN_CAPABILITY', "broken plugin capabilities: must implement both 'plugin_get_fields' and 'plugin_extract_fields' (field extraction)"],
  ['no_capability', 'ERR_PLUGIN_CAPABILITY', 'plugin does not implement any capability'],
  ['empty_source', 'ERR_PLUGIN_CAPABILITY', "broken plugin capabilities: must implement both 'plugin_get_id' and 'plugin_get_event_source' or neither (event sourcing)"],
  ['syscall_source', 'ERR_PLUGIN_CAPABILITY', "plugin can't implement the reserved event source 'syscall'"],
  ['does_not_exist', 'ERR_PLUGIN_LOAD', /^can't load plugin dynamic library: .*does_not_exist\.so: cannot open shared object file/],
];

describe('loading refuses broken plugins', () => {
  for (const [name, code, message] of refusals) {
    it(`${name}.so → ${code}`, () => {
      assert.throws(() => new Plugin(fixturePlugin(name)), (err: Error & { code?: string }) => {
        assert.ok(err instanceof Error);
        assert.equal(err.code, code);
        if (typeof message === 'string') assert.equal(err.message, message);
        else assert.match(err.message, message);
        return true;
      });
    });
  }

  it('leaves a refused library unloaded', () => {
    const lib = fixturePlugin('fields_dup');
    assert.throws(() => new Plugin(lib), { code: 'ERR_PLUGIN_FIELDS' });
    assert.equal(Plugin.isResident(lib), false);
  });
});

describe('init and open failures', () => {
  it('init FAILURE → ERR_PLUGIN_INIT with get_last_error, logs kept, state destroyed', () => {
    const plugin = new Plugin(fixturePlugin('good'));
    assert.throws(() => plugin.init({ failInit: true }), (err: Error & { code?: string; logs?: Array<{ message: string }> }) => {
      assert.equal(err.code, 'ERR_PLUGIN_INIT');
      assert.equal(err.message, 'could not initialize plugin: fixture: init refused because failInit is set');
      assert.deepEqual(err.logs?.map((l) => l.message), ['initializing', '{"failInit":true}']);
      return true;
    });
    assert.equal(plugin.liveStates, 0);
    plugin.unload();
  });

  it('config validation (opt-in, ajv) uses Falco\'s message shape', () => {
    const plugin = new Plugin(fixturePlugin('good'));
    assert.throws(() => plugin.init({ label: 7 }, { validate: true }), {
      code: 'ERR_PLUGIN_CONFIG',
      message: 'error in plugin fixture init config: In <root>[label], must be string',
    });
    assert.throws(() => plugin.init({ nope: 1 }, { validate: true }), {
      code: 'ERR_PLUGIN_CONFIG',
      message: "error in plugin fixture init config: In <root>, must NOT have additional properties 'nope'",
    });
    const state = plugin.init({ label: 'ok' }, { validate: true });
    assert.equal(state.config, '{"label":"ok"}');
    state.destroy();
    plugin.unload();
  });

  it('a config that is not JSON is refused before init when the plugin has a JSON schema', () => {
    const plugin = new Plugin(fixturePlugin('good'));
    assert.throws(() => plugin.init('{not json'), {
      code: 'ERR_PLUGIN_CONFIG',
      message: 'error in plugin fixture: init config is not a valid json',
    });
    assert.equal(plugin.liveStates, 0);
    plugin.unload();
  });

  it('open FAILURE → ERR_PLUGIN_OPEN with get_last_error', () => {
    const plugin = new Plugin(fixturePlugin('good'));
    const state = plugin.init();
    assert.throws(() => state.open('fail'), { code: 'ERR_PLUGIN_OPEN', message: "fixture: open refused (params 'fail')" });
    assert.equal(state.metrics().find((m) => m.name === 'fixture.open_instances')?.value, 0);
    state.destroy();
    plugin.unload();
  });
});

describe('next_batch contract violations are caught', () => {
  async function firstViolation(fixture: string, params = ''): Promise<Error & { code?: string }> {
    const plugin = new Plugin(fixturePlugin(fixture));
    const state = plugin.init();
    const instance = state.open(params);
    try {
      for (let call = 0; call < 5; call++) await instance.nextBatch();
    } catch (err) {
      return err as Error & { code?: string };
    } finally {
      instance.close();
      state.destroy();
      plugin.unload();
    }
    assert.fail(`${fixture} (${params}) was not caught`);
  }

  it('SUCCESS with 0 events', async () => {
    const err = await firstViolation('zero_events');
    assert.equal(err.code, 'ERR_PLUGIN_BATCH');
    assert.equal(err.message, 'unexpected 0 size event returned by plugin fixture');
  });

  const malformed: Array<[fault: string, detail: RegExp]> = [
    ['type', /type 323, nparams 2/],
    ['nparams', /type 322, nparams 3/],
    ['paramlen', /param lengths 8 and 5/],
    ['len', /len 46, param lengths 4 and 5/],
  ];
  for (const [fault, detail] of malformed) {
    it(`an event with a bad ${fault}`, async () => {
      const err = await firstViolation('bad_event', `fault=${fault}`);
      assert.equal(err.code, 'ERR_PLUGIN_BATCH');
      assert.match(err.message, /^malformed plugin event produced by plugin: 'fixture' \(event 0 of 2\)/);
      assert.match(err.message, detail);
    });
  }

  it('an event carrying another plugin ID', async () => {
    const err = await firstViolation('bad_event', 'fault=id');
    assert.equal(err.code, 'ERR_PLUGIN_BATCH');
    assert.equal(err.message, "unexpected plugin ID in plugin event: plugin='fixture', expected_id=999, actual_id=77");
  });

  it('a TIMEOUT that leaves *nevts unwritten (libscap would replay the last batch)', async () => {
    const plugin = new Plugin(fixturePlugin('stale_nevts'));
    const state = plugin.init();
    const instance = state.open();
    const first = await instance.nextBatch();
    assert.equal(first.rc, 'SUCCESS');
    assert.equal(first.events.length, 2);
    await assert.rejects(instance.nextBatch(), {
      code: 'ERR_PLUGIN_BATCH',
      message: 'plugin fixture returned TIMEOUT from next_batch without writing *nevts: libscap would deliver the previous batch again',
    });
    instance.close();
    state.destroy();
    plugin.unload();
  });
});
