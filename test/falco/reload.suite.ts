// Falco reloads (SIGHUP: the plugin is destroyed and created again in the same process) and restarts
// (SIGTERM, start again) while containers keep running: every container's create, start and die alert
// comes exactly once, and no engine process or zombie is left.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { docker, testImageId, uniqueName } from '../support/docker-cli';
import type { Alert, FalcoProcess } from '../support/falco';
import type { E2eEnv } from './env';
import { RULES } from './rule-cases';

const RELOADS = 10;
const RESTARTS = 3;
const ACTIONS = ['create', 'start', 'die'] as const;

export function reloadSuite(env: E2eEnv): void {
  describe('Falco hot reloads and restarts while containers churn', () => {
    it(`${RELOADS} SIGHUP reloads and ${RESTARTS} restarts: every create, start and die alert exactly once, nothing left running`, async (t) => {
      const prefix = uniqueName('e2e-churn');
      const stateDir = env.newStateDir();
      const alerts: Alert[] = [];
      const containers: string[] = [];
      let falco = env.start({ stateDir });
      await falco.waitUntilConnected();

      // By image ID: a tag would raise "Image not pinned by digest" for each create instead.
      const image = await testImageId();
      let churning = true;
      const churn = (async () => {
        for (let i = 0; churning; i++) {
          const name = `${prefix}-${i}`;
          await docker('run', '--rm', '--name', name, image, 'true');
          containers.push(name);
        }
      })();
      const churnAlerts = (from: number) => (all: readonly Alert[]) =>
        all.slice(from).filter((a) => a.rule === RULES.statusChanged && a.output.includes(prefix)).length >= ACTIONS.length;

      try {
        for (let reload = 1; reload <= RELOADS; reload++) {
          await falco.waitForAlerts(churnAlerts(falco.alerts.length), 60_000, 'a churned container before the reload');
          falco.signal('SIGHUP');
          await falco.waitUntilConnected(reload + 1);
          assertOneEngine(falco, env);
        }
        for (let restart = 1; restart <= RESTARTS; restart++) {
          await falco.waitForAlerts(churnAlerts(falco.alerts.length), 60_000, 'a churned container before the restart');
          assert.equal(await falco.stop(), 0);
          alerts.push(...falco.alerts);
          assert.deepEqual(enginesOf(env), [], 'no engine left after Falco exited');
          falco = env.start({ stateDir });
          await falco.waitUntilConnected();
          assertOneEngine(falco, env);
        }
      } finally {
        churning = false;
        await churn;
      }
      // The last container's die has reached Falco once its alert arrived: events come in order.
      const last = containers[containers.length - 1];
      await falco.waitForAlerts((all) => all.some((a) => a.output.includes(`action=die name=${last}`)), 60_000, `the die of ${last}`);
      assert.equal(await falco.stop(), 0);
      alerts.push(...falco.alerts);
      assert.deepEqual(enginesOf(env), [], 'no engine left after Falco exited');

      const seen = new Map<string, number>();
      for (const a of alerts) {
        if (a.rule !== RULES.statusChanged) continue;
        const key = `${String(a.output_fields['docker.attributes.name'])} ${String(a.output_fields['docker.action'])}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      const expected = containers.flatMap((name) => ACTIONS.map((action) => `${name} ${action}`));
      const lost = expected.filter((k) => !seen.has(k));
      const repeated = expected.filter((k) => (seen.get(k) ?? 0) > 1);
      t.diagnostic(
        `${containers.length} containers, ${expected.length} create/start/die alerts expected across ${RELOADS} reloads and ` +
          `${RESTARTS} restarts: ${lost.length} lost, ${repeated.length} duplicated`,
      );
      assert.deepEqual(lost, [], 'alerts lost');
      assert.deepEqual(repeated, [], 'alerts repeated');
      assert.ok(containers.length > RELOADS + RESTARTS, 'containers ran throughout');
    });
  });
}

/** Exactly one engine is Falco's child, the package's self-contained one (no Node.js), and no zombie. */
function assertOneEngine(falco: FalcoProcess, env: E2eEnv): void {
  const children = falco.children();
  assert.deepEqual(children.filter((c) => c.state === 'Z'), [], 'no zombie child');
  assert.deepEqual(children.map((c) => c.exe), [path.join(env.plugins, 'docker-engine')], JSON.stringify(children));
}

/** Engine processes of the installed package, anywhere on the machine. */
function enginesOf(env: E2eEnv): string[] {
  const engines: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(env.plugins)) engines.push(`${pid}: ${cmdline}`);
    } catch {
      // exited meanwhile
    }
  }
  return engines;
}
