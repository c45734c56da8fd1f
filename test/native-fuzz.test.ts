// The native code that parses untrusted bytes (event payloads, engine frames)
// under libFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 15);
const SEEDS: Record<string, string[]> = {
  extract_fuzzer: [path.join(ROOT, 'test', 'fixtures', 'fuzz', 'extract')],
  frames_fuzzer: [path.join(ROOT, 'test', 'fixtures', 'frames')],
};

describe('fuzzing the native parsers under ASan and UBSan', () => {
  before(() => {
    execFileSync('make', ['-s', '-C', path.join(ROOT, 'native'), 'fuzz'], { stdio: 'inherit' });
  });

  for (const [fuzzer, seedDirs] of Object.entries(SEEDS)) {
    it(`${fuzzer} finds nothing in ${SECONDS} s`, () => {
      const corpus = fs.mkdtempSync(path.join(os.tmpdir(), `${fuzzer}-`));
      for (const dir of seedDirs)
        for (const f of fs.readdirSync(dir).filter((n) => !n.endsWith('.md')))
          fs.copyFileSync(path.join(dir, f), path.join(corpus, f));
      const run = spawnSync(
        path.join(ROOT, 'build', 'fuzz', fuzzer),
        [`-max_total_time=${SECONDS}`, '-rss_limit_mb=1024', `-artifact_prefix=${corpus}/`, corpus],
        {
          env: { ...process.env, UBSAN_OPTIONS: `suppressions=${path.join(ROOT, 'native', 'fuzz', 'ubsan.supp')}:halt_on_error=1:print_stacktrace=1` },
          encoding: 'utf8',
          timeout: (SECONDS + 60) * 1000,
        },
      );
      fs.rmSync(corpus, { recursive: true, force: true });
      assert.equal(run.status, 0, run.stderr.split('\n').slice(-40).join('\n'));
      const done = /Done (\d+) runs/.exec(run.stderr);
      assert.ok(done && Number(done[1]) > 1000, `the fuzzer ran: ${run.stderr.slice(-300)}`);
    });
  }
});
