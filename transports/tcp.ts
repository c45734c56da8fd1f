// tcp://host:port and http://host:port (plain), https://host:port and tcp://host:port with TLS: a daemon
// reached over the network (dockerd -H tcp://…, with --tlsverify for TLS). Whether TLS is used and with
// which files is ./tls-settings.ts's decision; the socket is the connector's (./connector.ts) and the rest
// is the shared stream path (./daemon-stream.ts), exactly as for a unix socket.

import { createConnector } from './connector';
import { DaemonStreamTransport } from './daemon-stream';
import { resolveTls, unverifiedTlsWarning } from './tls-settings';
import type { TransportFactory } from './transport';

export const tcpTransport: TransportFactory = {
  schemes: ['tcp', 'http', 'https'],
  forms: ['tcp://host:port', 'http://host:port', 'https://host:port'],
  create: (host, _env, context) => {
    const tls = resolveTls(host, context.config.tls);
    const unverified = unverifiedTlsWarning(host.url, tls);
    if (unverified !== null) context.log.warning('-', unverified);
    return new DaemonStreamTransport(host, createConnector(host, tls, context.config.keepAliveMs));
  },
};
