// What open_params selects, through the registry as the engine calls it, with init_config's defaults and
// no log unless a test gives its own context.
import { parseConfig } from '../../src/config/config';
import { createLogger } from '../../src/log';
import { selectSources } from '../../transports/index';
import type { Sources, TransportContext } from '../../transports/transport';

export function testContext(initConfig: unknown = {}): TransportContext {
  return { config: parseConfig(initConfig), log: createLogger('error', () => undefined) };
}

export function sourcesFor(openParams: string, env: NodeJS.ProcessEnv, context: TransportContext = testContext()): Sources {
  return selectSources(openParams, env, context);
}
