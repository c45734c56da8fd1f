// unix:///path/to/docker.sock — the local daemon's socket. The socket file is checked before each
// connection (missing, not a socket, no permission: each its own code); the requests and the event stream
// are the shared stream path (./daemon-stream.ts).

import { createConnector } from './connector';
import { DaemonStreamTransport } from './daemon-stream';
import { tlsForSocketWarning } from './tls-settings';
import type { TransportFactory } from './transport';

export const unixSocketTransport: TransportFactory = {
  schemes: ['unix'],
  forms: ['unix:///path/to/docker.sock'],
  create: (host, _env, context) => {
    if (context.config.tls !== undefined) {
      context.log.warning('-', tlsForSocketWarning(host.url));
    }
    return new DaemonStreamTransport(host, createConnector(host, null, context.config.keepAliveMs));
  },
};
