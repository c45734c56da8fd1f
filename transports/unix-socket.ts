// unix:///path/to/docker.sock — the local daemon's socket. The socket file is checked before each
// connection (missing, not a socket, no permission: each its own code); the requests and the event stream
// are the shared HTTP path (./daemon-http.ts).

import { createConnector } from './connector';
import { DaemonHttpTransport } from './daemon-http';
import { tlsForSocketWarning } from './tls-settings';
import type { TransportFactory } from './transport';

export { formatSince } from './daemon-http';

export const unixSocketTransport: TransportFactory = {
  schemes: ['unix'],
  forms: ['unix:///path/to/docker.sock'],
  create: (host, _env, context) => {
    if (context.config.tls !== undefined) {
      context.log.warning('-', tlsForSocketWarning(host.url));
    }
    return new DaemonHttpTransport(host, createConnector(host, null));
  },
};
