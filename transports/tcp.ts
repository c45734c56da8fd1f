// tcp://host:port and http://host:port (plain), https://host:port and tcp://host:port with TLS: a daemon
// reached over the network (dockerd -H tcp://…, with --tlsverify for TLS). Whether TLS is used and with
// which files is ./tls-settings.ts's decision; the socket is the connector's (./connector.ts) and the rest
// is the shared HTTP path (./daemon-http.ts), exactly as for a unix socket.

import { createConnector } from './connector';
import { DaemonHttpTransport } from './daemon-http';
import { resolveTls } from './tls-settings';
import type { TransportFactory } from './transport';

export const tcpTransport: TransportFactory = {
  schemes: ['tcp', 'http', 'https'],
  forms: ['tcp://host:port', 'http://host:port', 'https://host:port'],
  create: (host, _env, context) => {
    const tls = resolveTls(host, context.config.tls);
    if (tls !== null && !tls.verify) {
      const why = tls.reason === 'init_config.tls' ? 'init_config.tls.verify is false' : 'DOCKER_TLS is set without DOCKER_TLS_VERIFY';
      context.log.warning(
        '-',
        `TLS to ${host.url} does not verify the daemon's certificate (${why}): anyone on the path can read and ` +
          'forge its events; set verify to true with the daemon\'s CA',
      );
    }
    return new DaemonHttpTransport(host, createConnector(host, tls));
  },
};
