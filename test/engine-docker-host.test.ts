// open_params → Docker host → transport: Docker's conventions and the registry's messages.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OpenParamsError } from '../src/errors';
import { parseDockerHost } from '../transports/docker-host';
import { sourcesFor } from './support/sources';
import { formatSince } from '../transports/docker-time';

const noEnv = {};

test('empty open_params: DOCKER_HOST if set, else the default socket', () => {
  assert.equal(parseDockerHost('', noEnv).url, 'unix:///var/run/docker.sock');
  assert.equal(parseDockerHost('', noEnv).origin, 'default');
  const fromEnv = parseDockerHost('  ', { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' });
  assert.equal(fromEnv.origin, 'DOCKER_HOST');
  assert.equal(fromEnv.socketPath, '/run/user/1000/docker.sock');
  const explicit = parseDockerHost('unix:///a/b.sock', { DOCKER_HOST: 'tcp://x:1' });
  assert.equal(explicit.origin, 'open_params');
  assert.equal(explicit.socketPath, '/a/b.sock');
});

test('unix:// alone is the default socket; paths are normalised', () => {
  assert.equal(parseDockerHost('unix://', noEnv).socketPath, '/var/run/docker.sock');
  assert.equal(parseDockerHost('UNIX:///var/run/../run/docker.sock', noEnv).url, 'unix:///var/run/docker.sock');
});

test('a relative socket path shows the expected form', () => {
  assert.throws(
    () => parseDockerHost('unix://docker.sock', noEnv),
    (err: unknown) =>
      err instanceof OpenParamsError &&
      err.code === 'ERR_OPEN_PARAMS' &&
      /open_params "unix:\/\/docker.sock" names the socket path "docker.sock", which is not absolute; expected unix:\/\/\/path\/to\/docker.sock/.test(err.message),
  );
  assert.throws(() => parseDockerHost('docker.sock', noEnv), /is not a Docker host; expected unix:\/\/\/path\/to\/docker.sock/);
  assert.throws(() => parseDockerHost('/var/run/docker.sock', noEnv), /for a socket write unix:\/\/\/var\/run\/docker.sock/);
});

test('tcp: host:port without scheme, default ports, TLS from the environment', () => {
  const plain = parseDockerHost('10.0.0.5:2375', noEnv);
  assert.deepEqual([plain.scheme, plain.hostname, plain.port, plain.tls], ['tcp', '10.0.0.5', 2375, undefined]);
  const tls = parseDockerHost('tcp://docker.example', { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' });
  assert.equal(tls.port, 2376);
  assert.deepEqual(tls.tls, { reason: 'DOCKER_TLS_VERIFY', verify: true, certPath: '/certs', certPathFrom: 'DOCKER_CERT_PATH', required: true });
  assert.equal(parseDockerHost('tcp://', noEnv).url, 'tcp://localhost:2375');
});

test('registry: unknown scheme lists the accepted forms', () => {
  assert.throws(
    () => sourcesFor('foo://bar', noEnv),
    (err: unknown) =>
      err instanceof OpenParamsError &&
      err.message ===
        'unknown scheme "foo://" in open_params "foo://bar"; accepted forms: unix:///path/to/docker.sock, tcp://host:port, ' +
          'http://host:port, https://host:port, poll+unix:///path/to/docker.sock, poll+http://host:2375, poll+https://host:2376, ' +
          'file:///path/to/events.jsonl, several of these separated by commas, or empty for DOCKER_HOST, else unix:///var/run/docker.sock',
  );
});

test('registry: file picks the replay transport, poll+ the polling one', () => {
  assert.equal(sourcesFor('file:///tmp/events.jsonl', noEnv).target, 'file:///tmp/events.jsonl');
  assert.equal(sourcesFor('poll+unix:///tmp/x.sock', noEnv).target, 'poll+unix:///tmp/x.sock');
});

test('registry: tcp, http and https pick the TCP transport', () => {
  assert.equal(sourcesFor('tcp://localhost:2375', noEnv).target, 'tcp://localhost:2375');
  assert.equal(sourcesFor('https://h', noEnv).target, 'https://h:2376');
  assert.equal(sourcesFor('', { DOCKER_HOST: 'http://[::1]:2375' }).target, 'http://[::1]:2375');
});

test('registry: unix picks the socket transport', () => {
  assert.equal(sourcesFor('unix:///tmp/x.sock', noEnv).target, 'unix:///tmp/x.sock');
});

test('since= keeps nanosecond precision', () => {
  assert.equal(formatSince(1795773869230402943n), '1795773869.230402943');
  assert.equal(formatSince(1795773869000000007n), '1795773869.000000007');
});
