// A private Docker daemon for tests: its own dockerd (and the containerd it manages) with its own data
// root, exec root, pid file and unix socket in a temp dir, and a TCP listener on 127.0.0.1 (plain, or TLS
// with --tlsverify and certificates made here with the openssl CLI). It never touches the main daemon's
// socket or data root. Reusable: start(), stop(), restart() (tests of reconnects), docker(...args).
//
// Isolation: dockerd --bridge=none deletes the host's docker0 bridge at startup (moby's
// removeDefaultBridgeInterface), which would break the main daemon's containers. So dockerd runs in a
// network namespace of its own (`unshare --net`), where that is harmless, and its TCP listener is opened
// here, in the host's namespace, on 127.0.0.1, and handed to it by systemd socket activation
// (`-H fd://`, LISTEN_FDS/LISTEN_PID): the socket keeps its namespace, so the tests reach the real
// dockerd (and its TLS) at 127.0.0.1:<port>. Containers run with no network.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, openSync, closeSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DOCKERD = '/usr/sbin/dockerd';
const START_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 20_000;

/** PEM files made for a TLS daemon (all in `dir`). */
export interface TestCertificates {
  readonly dir: string;
  /** The CA that signed the server and client certificates. */
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** The server's next certificate (a new key, for the same names, signed by the same CA). */
  readonly rotatedCert: string;
  readonly rotatedKey: string;
  /** An unrelated CA (signed nothing here) and a server certificate for another name, signed by `ca`. */
  readonly otherCa: string;
  readonly wrongNameCert: string;
  readonly wrongNameKey: string;
  /** A DOCKER_CERT_PATH directory: ca.pem, cert.pem, key.pem (the client's). */
  readonly dockerCertPath: string;
}

export interface TestDaemonOptions {
  /** Listen with TLS (--tlsverify: a client certificate is required) instead of plain TCP. */
  readonly tls?: boolean;
}

/**
 * A private daemon for the tests of the calling describe(): created, started and given local/busybox
 * before them, disposed after them. The getter throws when called before the hook ran.
 */
export function useTestDaemon(options: TestDaemonOptions = {}): () => TestDaemon {
  let daemon: TestDaemon | undefined;
  before(async () => {
    daemon = await TestDaemon.create(options);
    await daemon.start();
    await daemon.loadImage();
  });
  after(async () => {
    await daemon?.dispose();
  });
  return () => {
    if (daemon === undefined) throw new Error('the test daemon is not started yet');
    return daemon;
  };
}

export class TestDaemon {
  /** The daemon's unix socket (always there). */
  readonly unixSocket: string;
  /** What the TLS daemon presents at its next start: its valid certificate, or one for another name. */
  serverCertificate: 'valid' | 'rotated' | 'wrong-name' = 'valid';

  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private port = 0;

  private constructor(
    readonly dir: string,
    readonly certificates: TestCertificates | null,
  ) {
    this.unixSocket = path.join(dir, 'docker.sock');
  }

  /** A stopped daemon with its temp dir (and certificates when `tls`). */
  static async create(options: TestDaemonOptions = {}): Promise<TestDaemon> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'test-dockerd-'));
    const certificates = options.tls === true ? await makeCertificates(path.join(dir, 'certs')) : null;
    return new TestDaemon(dir, certificates);
  }

  get tls(): boolean {
    return this.certificates !== null;
  }

  /** `tcp://127.0.0.1:<port>`: plain HTTP (a daemon without TLS; empty before the first start). */
  get tcpUrl(): string {
    return this.tls || this.port === 0 ? '' : `tcp://127.0.0.1:${this.port}`;
  }

  /** `tcp://127.0.0.1:<port>` of a TLS daemon (empty otherwise, or before the first start). */
  get tlsUrl(): string {
    return !this.tls || this.port === 0 ? '' : `tcp://127.0.0.1:${this.port}`;
  }

  get tcpPort(): number {
    return this.port;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts dockerd and resolves once it answers GET /_ping on its socket (same TCP port on restarts). */
  async start(): Promise<void> {
    if (this.child !== null) throw new Error('the test daemon is already running');
    const listener = await listenTcp(this.port);
    this.port = (listener.address() as net.AddressInfo).port;
    const log = openSync(path.join(this.dir, 'dockerd.log'), 'a');
    const args = [
      `--data-root=${path.join(this.dir, 'data')}`,
      `--exec-root=${path.join(this.dir, 'exec')}`,
      `--pidfile=${path.join(this.dir, 'dockerd.pid')}`,
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
      '--cgroup-parent=/test-dockerd',
      `--host=unix://${this.unixSocket}`,
      '--host=fd://',
      ...this.tlsArgs(),
    ];
    let child: ChildProcess;
    try {
      // sh sets LISTEN_PID to its own pid, which exec keeps through unshare into dockerd.
      child = spawn('sh', ['-c', 'LISTEN_PID=$$ exec "$@"', 'sh', 'unshare', '--net', '--', DOCKERD, ...args], {
        stdio: ['ignore', log, log, socketFd(listener)],
        env: { ...cleanEnv(), LISTEN_FDS: '1' },
      });
    } finally {
      closeSync(log);
      // dockerd holds its own copy now; closing ours frees the port when dockerd stops.
      listener.close();
    }
    this.child = child;
    this.exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.child === child) this.child = null;
    });
    await this.waitUntilReady(child);
  }

  /** SIGTERM, wait for exit (SIGKILL it and its containerd after a bound). */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    child.kill('SIGTERM');
    const stopped = await Promise.race([this.exited.then(() => true), delay(STOP_DEADLINE_MS).then(() => false)]);
    if (!stopped) {
      child.kill('SIGKILL');
      await this.exited;
      await this.killContainerd();
    }
    this.child = null;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the daemon and removes its temp dir (unmounting whatever it left mounted there). */
  async dispose(): Promise<void> {
    await this.stop();
    const mounts = (await fs.readFile('/proc/mounts', 'utf8'))
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((mountPoint) => mountPoint.startsWith(`${this.dir}/`))
      .reverse();
    for (const mountPoint of mounts) await run('umount', ['-l', mountPoint]).catch(() => undefined);
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  /** The docker CLI pointed at this daemon (`-H unix://…`); resolves with its trimmed stdout. */
  async docker(...args: string[]): Promise<string> {
    const { stdout } = await run('docker', ['-H', `unix://${this.unixSocket}`, ...args], { timeout: 60_000, env: cleanEnv() });
    return stdout.trim();
  }

  /** Copies `image` from the main daemon (docker save | docker load). */
  async loadImage(image = 'local/busybox'): Promise<void> {
    await run('sh', ['-c', 'docker -H unix:///var/run/docker.sock save "$1" | docker -H "$2" load -q', 'sh', image, `unix://${this.unixSocket}`], {
      timeout: 60_000,
      env: cleanEnv(),
    });
  }

  /** The last lines of dockerd's log, for failure messages. */
  async logTail(lines = 20): Promise<string> {
    const text = await fs.readFile(path.join(this.dir, 'dockerd.log'), 'utf8').catch(() => '');
    return text.split('\n').slice(-lines).join('\n');
  }

  private tlsArgs(): string[] {
    const certs = this.certificates;
    if (certs === null) return [];
    const [cert, key] = {
      valid: [certs.serverCert, certs.serverKey],
      rotated: [certs.rotatedCert, certs.rotatedKey],
      'wrong-name': [certs.wrongNameCert, certs.wrongNameKey],
    }[this.serverCertificate];
    return ['--tlsverify', `--tlscacert=${certs.ca}`, `--tlscert=${cert}`, `--tlskey=${key}`];
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + START_DEADLINE_MS;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    while (Date.now() < deadline) {
      if (exited || child.exitCode !== null) {
        throw new Error(`the test dockerd exited during startup:\n${await this.logTail()}`);
      }
      if (await ping(this.unixSocket)) return;
      await delay(100);
    }
    await this.stop();
    throw new Error(`the test dockerd did not answer /_ping within ${START_DEADLINE_MS} ms:\n${await this.logTail()}`);
  }

  private async killContainerd(): Promise<void> {
    const pidFile = path.join(this.dir, 'exec', 'containerd', 'containerd.pid');
    const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** This process's environment without DOCKER_* (the helpers address their daemon explicitly). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('DOCKER_')) env[key] = value;
  return env;
}

function listenTcp(port: number): Promise<net.Server> {
  return new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(server));
  });
}

/** The listening socket's file descriptor (Node keeps it in the server's handle), to pass to dockerd. */
function socketFd(server: net.Server): number {
  const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('cannot get the listening socket fd to hand to dockerd');
  return fd;
}

/** A TCP port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = await listenTcp(0);
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
}

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd, timeout: 30_000 });
}

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate signed by it, and the negatives. */
export async function makeCertificates(dir: string): Promise<TestCertificates> {
  await fs.mkdir(dir, { recursive: true });
  const key = (name: string): Promise<void> =>
    openssl(dir, 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
  const selfSignedCa = async (name: string, cn: string): Promise<void> => {
    await key(`${name}-key.pem`);
    await openssl(dir, 'req', '-x509', '-new', '-key', `${name}-key.pem`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  };
  let serial = 1;
  const signed = async (name: string, cn: string, extensions: string): Promise<void> => {
    await key(`${name}-key.pem`);
    await openssl(dir, 'req', '-new', '-key', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    await fs.writeFile(path.join(dir, `${name}.ext`), extensions);
    await openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-set_serial', String(serial++),
      '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}-cert.pem`);
  };
  await selfSignedCa('ca', 'falco-docker-test-ca');
  await selfSignedCa('other-ca', 'unrelated-test-ca');
  await signed('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await signed('client', 'falco-docker-test-client', 'extendedKeyUsage=clientAuth\n');
  await signed('rotated', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await signed('wrong-name', 'daemon.invalid', 'subjectAltName=DNS:daemon.invalid,IP:10.255.255.1\nextendedKeyUsage=serverAuth\n');
  const dockerCertPath = path.join(dir, 'docker-cert-path');
  await fs.mkdir(dockerCertPath);
  await fs.copyFile(path.join(dir, 'ca.pem'), path.join(dockerCertPath, 'ca.pem'));
  await fs.copyFile(path.join(dir, 'client-cert.pem'), path.join(dockerCertPath, 'cert.pem'));
  await fs.copyFile(path.join(dir, 'client-key.pem'), path.join(dockerCertPath, 'key.pem'));
  const file = (name: string): string => path.join(dir, name);
  return {
    dir,
    ca: file('ca.pem'),
    serverCert: file('server-cert.pem'),
    serverKey: file('server-key.pem'),
    clientCert: file('client-cert.pem'),
    clientKey: file('client-key.pem'),
    otherCa: file('other-ca.pem'),
    rotatedCert: file('rotated-cert.pem'),
    rotatedKey: file('rotated-key.pem'),
    wrongNameCert: file('wrong-name-cert.pem'),
    wrongNameKey: file('wrong-name-key.pem'),
    dockerCertPath,
  };
}
