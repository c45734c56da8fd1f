// Shared helpers for the loader tests: where the fixture plugins are built.
import path from 'node:path';

/** Absolute path of test/fixtures/plugins/build/<name>.so (built by `make -C test/fixtures/plugins`). */
export function fixturePlugin(name: string): string {
  return path.join(__dirname, '../../../test/fixtures/plugins/build', `${name}.so`);
}

/** The fixture's events: payload "evt-<n>", ts = 1700000000000000000 + n * 1000. */
export const FIXTURE_TS_BASE = 1700000000000000000n;
export const FIXTURE_ID = 999;
