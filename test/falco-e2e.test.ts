// The end-to-end suite in the real host: the package as README installs it, in a real Falco (on the host
// with no Node.js on PATH, and in a container as README runs it), against the real dockerd. Runs when a Falco binary is found (FALCO_BIN, else falco on PATH, else the output of
// ../shared/falco/build-falco.sh); otherwise one skipped test says why. `npm run test:falco` runs it alone.

import { before, test } from 'node:test';
import { cliSuite } from './falco/cli.suite';
import { containerSuite } from './falco/container.suite';
import { E2eEnv } from './falco/env';
import { metricsSuite } from './falco/metrics.suite';
import { reloadSuite } from './falco/reload.suite';
import { rulesSuite } from './falco/rules.suite';
import { findFalco } from './support/falco';

const found = findFalco();
if ('skip' in found) {
  test('Falco end-to-end suite', { skip: found.skip }, () => undefined);
} else {
  const env = new E2eEnv(found.path);
  before(() => env.install());
  cliSuite(env);
  rulesSuite(env);
  metricsSuite(env);
  reloadSuite(env);
  containerSuite(env);
}
