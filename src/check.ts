// `docker-engine --check [open_params [init_config JSON]]`: connects to what open_params names, as the
// plugin's open would, prints what answered and exits (0 connected, 2 not). A way to try the engine
// where Falco runs (its container, a host without Node.js) without Falco: every failure is the message
// open would give.

import { selectSources } from '../transports/index';
import { parseConfig } from './config/config';
import { describeConnection } from './engine';
import { asEngineError } from './errors';
import type { Logger } from './log';

export const CHECK_USAGE = 'usage: docker-engine --check [open_params [init_config JSON]] (the plugin starts the engine without arguments)';

export interface CheckOutput {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Resolves with the exit code. */
export async function checkSources(args: readonly string[], env: NodeJS.ProcessEnv, log: Logger, output: CheckOutput): Promise<number> {
  const [openParams = '', initConfig = '{}', ...extra] = args;
  if (extra.length > 0) {
    output.err(CHECK_USAGE);
    return 2;
  }
  const opened: { close(): void }[] = [];
  try {
    let raw: unknown;
    try {
      raw = JSON.parse(initConfig);
    } catch (err) {
      output.err(`ERR_CONFIG_INVALID: init_config ${JSON.stringify(initConfig)} is not JSON: ${(err as Error).message}`);
      return 2;
    }
    const config = parseConfig(raw);
    const sources = selectSources(openParams, env, { config, log });
    const signal = AbortSignal.timeout(config.openTimeoutMs);
    for (const endpoint of sources.endpoints) {
      const connection = await endpoint.transport.connect({ sinceNano: null, timeoutMs: config.openTimeoutMs, signal });
      opened.push(connection);
      output.out(`ok: connected to ${describeConnection(connection.info)}`);
    }
    return 0;
  } catch (err) {
    const error = asEngineError(err);
    output.err(`${error.code}: ${error.message}`);
    return 2;
  } finally {
    for (const connection of opened) connection.close();
  }
}
