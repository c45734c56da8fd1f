// What every end-to-end suite shares: the Falco binary, the package installed once in a temporary plugin
// folder, and Falco runs with a resume-point directory of their own.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FalcoProcess, installPackage, type FalcoOptions } from '../support/falco';

export class E2eEnv {
  private pluginFolder: string | null = null;

  constructor(readonly falco: string) {}

  /** npm run package, then README's copy into a plugin folder. */
  async install(): Promise<void> {
    this.pluginFolder = await installPackage();
  }

  get plugins(): string {
    if (this.pluginFolder === null) throw new Error('the package is not installed yet');
    return this.pluginFolder;
  }

  /** A directory for resume points: one per test, so that a run resumes only where the test wants. */
  newStateDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'falco-e2e-state-'));
  }

  /**
   * Falco with the repository's falco.yaml (unless `config`), the docker source alone. Resume points go to
   * `stateDir` (default: a new directory); null keeps init_config as the config file has it.
   */
  start(options: { overrides?: readonly string[]; stateDir?: string | null; config?: string } = {}): FalcoProcess {
    const stateDir = options.stateDir === undefined ? this.newStateDir() : options.stateDir;
    const falcoOptions: FalcoOptions = {
      falco: this.falco,
      plugins: this.plugins,
      overrides: [...(stateDir === null ? [] : [`plugins[0].init_config.stateDir=${stateDir}`]), ...(options.overrides ?? [])],
      ...(options.config === undefined ? {} : { config: options.config }),
    };
    return new FalcoProcess(falcoOptions);
  }
}
