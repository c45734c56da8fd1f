// init_config for a library under bench: {} for any plugin; for one that keeps resume points (this one), a
// fresh directory for them, so that a bench capture neither resumes from nor moves a real capture's point.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Plugin } from '../native/loader/index';

export function benchConfig(plugin: Plugin): Record<string, unknown> {
  const schema = plugin.info.initSchema === null ? null : (JSON.parse(plugin.info.initSchema) as { properties?: object });
  if (schema?.properties === undefined || !('stateDir' in schema.properties)) return {};
  return { stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'docker-bench-state-')) };
}
