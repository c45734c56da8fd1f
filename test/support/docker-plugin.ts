// The real plugin library, loaded through the loader addon exactly as Falco loads it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Plugin, type FieldValue, type PluginEvent, type PluginInstance, type PluginState } from '../../native/loader/index';

export const LIBRARY = path.join(__dirname, '..', '..', '..', 'build', 'libdocker.so');

export function loadPlugin(): Plugin {
  return new Plugin(LIBRARY);
}

/**
 * init_config for a test: `config` with resume points kept in a fresh directory of this test's own (unless
 * it sets stateDir), so that no test resumes where another one, or a Falco on this machine, stopped.
 */
export function testConfig(config: Record<string, unknown> = {}): Record<string, unknown> {
  return { stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'docker-plugin-state-')), ...config };
}

export interface OpenedPlugin {
  plugin: Plugin;
  state: PluginState;
  instance: PluginInstance;
  /** Close, destroy and unload, in Falco's order; safe to call twice. */
  shutdown(): void;
}

export function openPlugin(openParams = '', config: Record<string, unknown> = {}): OpenedPlugin {
  const plugin = loadPlugin();
  const state = plugin.init(JSON.stringify(testConfig(config)), { validate: true });
  let instance: PluginInstance;
  try {
    instance = state.open(openParams);
  } catch (e) {
    state.destroy();
    plugin.unload();
    throw e;
  }
  return opened(plugin, state, instance);
}

/** openPlugin for a daemon served by this very process: open runs on a worker thread. */
export async function openPluginAsync(openParams: string, config: Record<string, unknown> = {}): Promise<OpenedPlugin> {
  const plugin = loadPlugin();
  const state = plugin.init(JSON.stringify(testConfig(config)), { validate: true });
  try {
    return opened(plugin, state, await state.openAsync(openParams));
  } catch (e) {
    state.destroy();
    plugin.unload();
    throw e;
  }
}

function opened(plugin: Plugin, state: PluginState, instance: PluginInstance): OpenedPlugin {
  return {
    plugin,
    state,
    instance,
    shutdown() {
      instance.close();
      state.destroy();
      plugin.unload();
    },
  };
}

/**
 * Every field of the plugin, extracted one per call as libsinsp does (or all in one extract_fields call,
 * as other hosts may): a field's value, or for a list field ("isList") all its values; null = no value.
 */
export function extractAll(
  state: PluginState,
  event: PluginEvent,
  arg = 'name',
  calls: 'one per field' | 'one for all' = 'one per field',
): Record<string, FieldValue | FieldValue[] | null> {
  const fields = state.plugin.info.fields;
  const requests = fields.map((f) => (f.arg.isKey ? { name: f.name, arg } : { name: f.name }));
  const values = calls === 'one per field' ? state.extract(event, requests) : state.extractInOneCall(event, requests);
  const out: Record<string, FieldValue | FieldValue[] | null> = {};
  fields.forEach((f, i) => {
    const v = values[i];
    if (v === null || v === undefined) out[f.name] = null;
    else out[f.name] = f.isList ? v : (v[0] ?? null);
  });
  return out;
}

export function payloadOf(event: PluginEvent): string {
  return event.data.toString('utf8');
}
