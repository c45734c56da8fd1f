// Every shipped rule fires on its scenario and stays silent on its near miss, in the real Falco, under
// rule_matching `first` (Falco's default) and `all`, with the alerts' output fields checked.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { docker, testImageId, uniqueName } from '../support/docker-cli';
import type { Alert, FalcoProcess } from '../support/falco';
import type { E2eEnv } from './env';
import { RULES, SCENARIOS, type Case, type CaseResult, type Expected } from './rule-cases';

type Mode = 'first' | 'all';

export function rulesSuite(env: E2eEnv): void {
  for (const mode of ['first', 'all'] as const) {
    describe(`shipped rules in Falco (rule_matching: ${mode})`, () => {
      let falco: FalcoProcess;
      const results = new Map<Case, CaseResult>();
      const unavailable = new Map<string, string>();

      before(async () => {
        falco = env.start({ overrides: mode === 'all' ? ['rule_matching=all'] : [] });
        await falco.waitUntilConnected();
        await warmUp(falco);
        for (const scenario of SCENARIOS) {
          const why = (await scenario.unavailable?.()) ?? null;
          if (why !== null) {
            unavailable.set(scenario.rule, why);
            continue;
          }
          for (const c of [scenario.fires, scenario.nearMiss]) results.set(c, await c.run(falco));
        }
        await barrier(falco);
      });

      after(async () => {
        assert.equal(await falco?.stop(), 0);
      });

      for (const scenario of SCENARIOS) {
        it(`"${scenario.rule}" fires when ${scenario.fires.title}`, (t) => {
          const why = unavailable.get(scenario.rule);
          if (why !== undefined) return t.skip(why);
          assert.ok(expected(scenario.fires, mode)[scenario.rule] !== undefined, 'the table expects the rule to fire');
          checkCase(falco.alerts, scenario.fires, results.get(scenario.fires)!, mode);
        });
        it(`"${scenario.rule}" stays silent when ${scenario.nearMiss.title}`, (t) => {
          const why = unavailable.get(scenario.rule);
          if (why !== undefined) return t.skip(why);
          assert.equal(expected(scenario.nearMiss, mode)[scenario.rule], undefined, 'the table expects silence');
          checkCase(falco.alerts, scenario.nearMiss, results.get(scenario.nearMiss)!, mode);
        });
      }
    });
  }
}

function expected(c: Case, mode: Mode): Expected {
  return mode === 'first' ? c.first : c.all;
}

/** The alerts naming the case's token are exactly the expected ones, each with the expected fields. */
function checkCase(alerts: readonly Alert[], c: Case, result: CaseResult, mode: Mode): void {
  const mine = alerts.filter((a) => a.output.includes(result.token));
  const counts = new Map<string, number>();
  for (const a of mine) counts.set(a.rule, (counts.get(a.rule) ?? 0) + 1);
  const want = expected(c, mode);
  const rules = new Set([...counts.keys(), ...Object.keys(want)]);
  const describeAll = mine.map((a) => `${a.rule}: ${a.output}`).join('\n');
  for (const rule of rules) {
    const got = counts.get(rule) ?? 0;
    const expect = want[rule];
    if (expect === 'some') assert.ok(got >= 1, `${rule}: expected at least one alert, got none\n${describeAll}`);
    else assert.equal(got, expect ?? 0, `${rule}: alerts for ${result.token}\n${describeAll}`);
  }
  for (const a of mine) {
    for (const [field, value] of Object.entries(result.fields[a.rule] ?? {})) {
      assert.equal(String(a.output_fields[field]), value, `${a.rule}: ${field} in ${a.output}`);
    }
    assert.equal(a.source, 'docker');
  }
}

/**
 * One container before the cases, its die alert awaited. The engine's first inspect (a new connection to the
 * daemon, code not yet compiled) can take longer than enrichment.waitMs (50 ms) on a loaded machine; the
 * first container's create then goes on without its context (engine_enrichment_late_events) and no
 * configuration rule can fire for it: the first case would test the machine's load, not the rules.
 */
async function warmUp(falco: FalcoProcess): Promise<void> {
  const name = uniqueName('e2e-warm-up');
  await docker('run', '--rm', '--name', name, await testImageId(), 'true');
  await falco.waitForAlerts((alerts) => alerts.some((a) => a.rule === RULES.statusChanged && a.output.includes(`action=die name=${name}`)), 60_000, `the die of ${name}`);
}

/** Events reach Falco in order: once the alert of a volume removed now arrives, every earlier one has. */
async function barrier(falco: FalcoProcess): Promise<void> {
  const name = uniqueName('e2e-barrier');
  await docker('volume', 'create', name);
  await docker('volume', 'rm', name);
  await falco.waitForAlerts((alerts) => alerts.some((a) => a.rule === RULES.volumeRemoved && a.output.includes(name)), 60_000, `the alert for volume ${name}`);
}
