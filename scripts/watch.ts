// `npm start`: the main job where Falco is not installed. Loads the plugin
// library the way Falco does and prints each Docker event with its fields on
// one line, the way Falco prints an alert.
//   npm start [-- [open_params] [--config '<init_config JSON>']]
import { parseArgs } from 'node:util';
import { loadPlugin } from '../test/support/docker-plugin';
import type { FieldValue, LogEntry, PluginEvent, PluginState } from '../native/loader/index';

function formatTime(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString(); // 2026-11-27T11:45:01.123Z
  return `${iso.slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

function quote(value: FieldValue): string {
  const text = String(value);
  return /^[^\s"]+$/.test(text) ? text : JSON.stringify(text);
}

function alertLine(state: PluginState, event: PluginEvent): string {
  const fields = state.plugin.info.fields.filter((f) => !f.arg.isKey && f.name !== 'docker.time');
  const values = state.extract(event, fields.map((f) => ({ name: f.name })));
  const parts = fields.flatMap((f, i) => {
    const v = values[i]?.[0];
    return v === undefined ? [] : [`${f.name}=${quote(v)}`];
  });
  return `${formatTime(event.ts)}: Debug Docker ${state.eventToString(event).text} (${parts.join(' ')})`;
}

function printLogs(logs: LogEntry[]): void {
  for (const l of logs) console.error(`[${l.severity}] ${l.component}: ${l.message}`);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { config: { type: 'string', default: '{}' } },
  });
  const openParams = positionals[0] ?? '';
  const plugin = loadPlugin();
  console.error(`${plugin.info.name} ${plugin.info.version}: ${plugin.info.description}`);
  const state = plugin.init(viewerConfig(values.config ?? '{}'), { validate: true });
  printLogs(state.drainLogs());
  let stopping = false;
  try {
    const instance = await state.openAsync(openParams);
    printLogs(state.drainLogs());
    console.error('watching; press Ctrl-C to stop');
    process.once('SIGINT', () => {
      stopping = true;
    });
    try {
      while (!stopping) {
        const batch = await instance.nextBatch();
        for (const event of batch.events) console.log(alertLine(state, event));
        printLogs(state.drainLogs());
        if (batch.rc === 'EOF') break;
        if (batch.rc === 'FAILURE') {
          console.error(`Error: ${batch.error ?? state.lastError()}`);
          return 1;
        }
      }
    } finally {
      instance.close();
    }
    return 0;
  } catch (e) {
    printLogs(state.drainLogs());
    console.error(`Error: ${(e as Error).message}`);
    return 1;
  } finally {
    state.destroy();
    plugin.unload();
  }
}

/**
 * A viewer shows what happens from now on: it keeps no resume point, so that it never replays old events
 * and never moves the resume point of a Falco on this machine (same open_params, same default stateDir).
 */
function viewerConfig(text: string): string {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    return text; // the plugin's init names the problem
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return text;
  return JSON.stringify({ stateDir: '', ...config });
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`Error: ${(e as Error).message}`);
    process.exit(1);
  },
);

