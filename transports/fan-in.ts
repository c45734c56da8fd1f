// Several sources in one open_params, separated by commas, e.g.
// `unix:///var/run/docker.sock,tcp://10.0.0.2:2375,file:///recordings/a.jsonl`. Each endpoint is built
// through the registry like a lone open_params (any transport, but not another fan-in); an empty one or
// one naming a daemon already listed is refused. The engine runs each endpoint on its own (its own
// reconnect loop, resume point and dedupe: src/endpoint-runner.ts) and adds `"host":"<endpoint as given>"`
// to each event, so a daemon that goes away never holds up the others.

import { OpenParamsError } from '../src/errors';
import type { Endpoint, Sources, Transport } from './transport';

export const FAN_IN_SEPARATOR = ',';

/** Splits open_params on commas and builds each endpoint with `build` (the registry). */
export function parseFanIn(openParams: string, build: (endpoint: string) => Transport): Sources {
  const parts = openParams.split(FAN_IN_SEPARATOR).map((p) => p.trim());
  const seen = new Map<string, string>();
  const endpoints = parts.map((given, i): Endpoint => {
    if (given === '') {
      throw new OpenParamsError(
        `open_params "${openParams}" has an empty endpoint (number ${i + 1}); separate endpoints with single commas, ` +
          'e.g. unix:///var/run/docker.sock,tcp://10.0.0.2:2375',
      );
    }
    const transport = build(given);
    const key = daemonKey(transport.target);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new OpenParamsError(
        `open_params "${openParams}" lists the same source twice ("${earlier}" and "${given}" both reach ${key}); ` +
          'name each daemon or file once',
      );
    }
    seen.set(key, given);
    return { given, transport };
  });
  return { target: endpoints.map((e) => e.given).join(FAN_IN_SEPARATOR), endpoints, fanIn: true };
}

/** One daemon reached two ways (streamed and polled, tcp:// and http://) is still one daemon. */
function daemonKey(target: string): string {
  return target.replace(/^poll\+/, '').replace(/^(?:https?|tcp):\/\//, 'tcp://');
}
