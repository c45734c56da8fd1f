// Images made here the way Falco's image is made, minus everything else: glibc, libstdc++ and libgcc_s (the
// C and C++ runtime Falco's image installs) from this machine's Debian packages, plus the files a test puts
// in. No shell, no package manager, no Node.js.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const RUNTIME_PACKAGES = ['libc6', 'libstdc++6', 'libgcc-s1'];

/** The runtime's shared libraries, as the packages install them (gconv modules and debugger scripts left out). */
async function runtimeLibraries(): Promise<string[]> {
  const { stdout } = await run('dpkg', ['-L', ...RUNTIME_PACKAGES]);
  return stdout.split('\n').filter((f) => /^\/(usr\/)?lib(64)?\/.*\.so(\.\d+)*$/.test(f) && !f.includes('/gconv/'));
}

/** The shared libraries `executable` links, as ldd resolves them. */
export async function linkedLibraries(executable: string): Promise<string[]> {
  const { stdout } = await run('ldd', [executable]);
  return [...stdout.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]);
}

/**
 * Imports an image holding the runtime, `libraries` and `files` (path in the image → file here, kept
 * executable) as `tag`. Returns the image's files.
 */
export async function importRuntimeImage(tag: string, files: Readonly<Record<string, string>>, libraries: readonly string[] = []): Promise<string[]> {
  const rootfs = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-rootfs-'));
  const placed: string[] = [];
  const place = (inImage: string, source: string, mode: number): void => {
    const target = path.join(rootfs, inImage);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(fs.realpathSync(source), target);
    fs.chmodSync(target, mode);
    placed.push(inImage);
  };
  try {
    for (const library of new Set([...(await runtimeLibraries()), ...libraries])) place(library, library, 0o755);
    for (const [inImage, source] of Object.entries(files)) place(inImage, source, 0o755);
    fs.mkdirSync(path.join(rootfs, 'tmp'), { mode: 0o1777 });
    await run('sh', ['-c', `tar -C '${rootfs}' -c . | docker import -c 'ENV PATH=/usr/bin' - ${tag}`]);
    return placed;
  } finally {
    fs.rmSync(rootfs, { recursive: true, force: true });
  }
}
