// The plugin's metrics as Falco publishes them, under the names README gives: in the metrics file
// (plugins.docker.<name>) and on the Prometheus endpoint (falcosecurity_plugins_docker_<name>_total).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { docker, TEST_IMAGE, uniqueName } from '../support/docker-cli';
import { REPO } from '../support/falco';
import type { E2eEnv } from './env';
import { RULES } from './rule-cases';

/** The metric names of README's metrics table. */
export function readmeMetrics(): string[] {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const table = /<!-- metrics:begin[^>]*-->\n([\s\S]*?)<!-- metrics:end -->/.exec(readme)?.[1] ?? '';
  return [...table.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
}

export function metricsSuite(env: E2eEnv): void {
  describe("the plugin's metrics in Falco", () => {
    it('appear in the metrics file and on the Prometheus endpoint under the names README gives', async () => {
      const names = readmeMetrics();
      assert.ok(names.length >= 15, `README lists the metrics: ${names.join(', ')}`);
      const prometheusNames = names.map((n) => `falcosecurity_plugins_docker_${n}_total`);
      assert.equal(new Set(prometheusNames).size, names.length, 'no two metrics share a Prometheus name');

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'falco-metrics-'));
      const file = path.join(dir, 'metrics.jsonl');
      const port = await freePort();
      const falco = env.start({
        overrides: [
          'metrics.enabled=true',
          'metrics.interval=1s',
          `metrics.output_file=${file}`,
          'metrics.plugins_metrics_enabled=true',
          'metrics.include_empty_values=true',
          'webserver.enabled=true',
          `webserver.listen_port=${port}`,
          'webserver.prometheus_metrics_enabled=true',
        ],
      });
      try {
        await falco.waitUntilConnected();
        const name = uniqueName('e2e-metrics');
        await docker('run', '--rm', '--name', name, TEST_IMAGE, 'true');
        await falco.waitForAlerts((alerts) => alerts.some((a) => a.rule === RULES.statusChanged && a.output.includes(`action=die name=${name}`)));
        const delivered = falco.alerts.length;

        const snapshot = await waitForSnapshot(file, (s) => Number(s['plugins.docker.events_delivered'] ?? 0) >= delivered);
        for (const n of names) assert.ok(`plugins.docker.${n}` in snapshot, `plugins.docker.${n} in the metrics file: ${Object.keys(snapshot).filter((k) => k.startsWith('plugins.')).join(', ')}`);
        assert.ok(Number(snapshot['plugins.docker.event_delay_microseconds']) > 0);
        assert.equal(snapshot['plugins.docker.engine_starts'], 1);

        const text = await get(`http://127.0.0.1:${port}/metrics`);
        for (const [i, p] of prometheusNames.entries()) {
          const line = new RegExp(`^${p} (\\d+(?:\\.\\d+)?(?:e\\+\\d+)?)$`, 'm').exec(text);
          assert.ok(line, `${p} on the Prometheus endpoint (for ${names[i]})`);
        }
        const promDelivered = Number(/^falcosecurity_plugins_docker_events_delivered_total (\d+)$/m.exec(text)?.[1]);
        assert.ok(promDelivered >= delivered, `events_delivered ${promDelivered} >= ${delivered} alerts`);
      } finally {
        assert.equal(await falco.stop(), 0);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

type Snapshot = Record<string, unknown>;

/** The metrics file gets one JSON line per snapshot (every metrics.interval while events flow). */
async function waitForSnapshot(file: string, ok: (fields: Snapshot) => boolean, timeoutMs = 30_000): Promise<Snapshot> {
  const deadline = Date.now() + timeoutMs;
  let last: Snapshot = {};
  for (;;) {
    const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')) : [];
    for (const line of lines.reverse()) {
      const fields = (JSON.parse(line) as { output_fields?: Snapshot }).output_fields ?? {};
      last = fields;
      if (ok(fields)) return fields;
    }
    if (Date.now() > deadline) throw new Error(`no metrics snapshot as expected in ${file} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    // Falco writes the file on its own schedule and there is no event to await: poll it.
    await docker('run', '--rm', TEST_IMAGE, 'true'); // events keep Falco's snapshots coming
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}
