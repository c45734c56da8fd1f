// One capture of the fan-in bench: the plugin initialised and opened on several endpoints through the loader
// (plugin_init → open "A,B,C,…"), its engine process, and Falco's next_batch loop on it (DeliveryCounter).

import { rmSync } from 'node:fs';
import type { Plugin, PluginInstance, PluginState } from '../native/loader/index';
import { DeliveryCounter } from './delivery-counter';
import { benchConfig } from './plugin-config';
import { findEngines } from './processes';

const WARNING_SEVERITIES = new Set(['fatal', 'critical', 'error', 'warning']);
/** The plugin's metrics the report reads (names without the plugin's prefix). */
const METRICS = new Set([
  'events_delivered',
  'engine_reconnects',
  'engine_stalled_streams',
  'engine_restarts',
  'engine_dropped_events',
  'engine_inspect_requests',
  'engine_enriched_events',
  'engine_enrichment_late_events',
  'engine_enrichment_failed_events',
  'engine_enrichment_gone_events',
  'errors',
]);

export class FanInCapture {
  private constructor(
    readonly hosts: readonly string[],
    private readonly state: PluginState,
    private readonly instance: PluginInstance,
    readonly enginePid: number,
    readonly counter: DeliveryCounter,
    private readonly stateDir: string | null,
  ) {}

  /** init with the bench's config (a fresh stateDir) and `initConfig` over it, then open on `hosts`. */
  static async open(plugin: Plugin, initConfig: Record<string, unknown>, hosts: readonly string[]): Promise<FanInCapture> {
    const config = { ...benchConfig(plugin), ...initConfig };
    const stateDir = typeof config['stateDir'] === 'string' && config['stateDir'] !== '' ? config['stateDir'] : null;
    const state = plugin.init(config);
    const before = new Set(findEngines());
    let instance: PluginInstance;
    try {
      instance = await state.openAsync(hosts.join(','));
    } catch (err) {
      state.destroy();
      throw err;
    }
    const engines = findEngines().filter((pid) => !before.has(pid));
    if (engines.length !== 1) {
      instance.close();
      state.destroy();
      throw new Error(`expected one new engine process after open, found ${engines.length}`);
    }
    return new FanInCapture(hosts, state, instance, engines[0], new DeliveryCounter(instance, hosts.length === 1 ? hosts[0] : null), stateDir);
  }

  get endpoints(): number {
    return this.hosts.length;
  }

  metrics(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.state.metrics()) {
      const name = m.name.replace(/^[^.]*\./, '');
      if (METRICS.has(name) && m.value !== null) out[name] = Number(m.value);
    }
    return out;
  }

  /** Log lines at warning or above since the last call. */
  warnings(): string[] {
    return this.state
      .drainLogs()
      .filter((l) => WARNING_SEVERITIES.has(l.severity))
      .map((l) => `[${l.severity}] ${l.component}: ${l.message}`);
  }

  async close(): Promise<void> {
    await this.counter.stop();
    this.instance.close();
    this.state.destroy();
    if (this.stateDir !== null) rmSync(this.stateDir, { recursive: true, force: true });
  }
}
