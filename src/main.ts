// Entry point, started by the plugin as `docker-engine` (the package's self-contained executable) or
// `node dist/src/main.js` (a source checkout), without arguments (docs/engine-protocol.md): wires the
// modules together and decides the exit code. `--check` is for people (./check.ts).
//   0   stdin EOF (or SIGTERM/SIGINT), or the source finished (END)
//   2   a failure reported with an ERROR frame (before READY: open fails with its message)
//   70  a bug: ERROR frame with ERR_INTERNAL

import { selectSources } from '../transports/index';
import { CHECK_USAGE, checkSources } from './check';
import { parseConfig } from './config/config';
import { Engine } from './engine';
import { asEngineError, type EngineError } from './errors';
import { encodeStatsFrame } from './frame';
import { FrameSink, openFrameOutput, openStatsOutput } from './frame-sink';
import { createLogger, createRateLimitedReporter } from './log';
import { readStdin } from './start-request';
import { Stats } from './stats';

const EXIT_OK = 0;
const EXIT_FAILED = 2;
const EXIT_INTERNAL = 70;
const FRAME_FD = 3;
/** STATS frames go apart from the events, so the plugin's counters stay current when events queue. */
const STATS_FD = 4;
/** How long pending frames may take to leave at exit before the engine gives up on a stuck reader. */
const FLUSH_DEADLINE_MS = 2000;

const log = createLogger('info');
const stop = new AbortController();
let sink: FrameSink | null = null;
let stats: Stats | null = null;
let exiting = false;

/** Reports `error` (log line + ERROR frame) if given, flushes fd 3 and exits. Runs once. */
async function exit(code: number, error?: EngineError): Promise<void> {
  if (exiting) return;
  exiting = true;
  stop.abort();
  stats?.stop();
  if (error !== undefined) {
    log.error(error.code, error.message);
    sink?.error(error.code, error.message);
  }
  if (sink !== null) await sink.close(FLUSH_DEADLINE_MS);
  process.exit(code);
}

function fail(err: unknown): void {
  const error = asEngineError(err);
  if (error.code === 'ERR_INTERNAL' && err instanceof Error && err.stack !== undefined) {
    log.error('ERR_INTERNAL', `please report this bug: ${err.stack}`);
  }
  void exit(error.code === 'ERR_INTERNAL' ? EXIT_INTERNAL : EXIT_FAILED, error);
}

async function main(): Promise<void> {
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  process.once('SIGTERM', () => void exit(EXIT_OK));
  process.once('SIGINT', () => void exit(EXIT_OK));

  const overflow = createRateLimitedReporter(log, 'warning', 'ERR_EVENTS_DROPPED', 'events dropped on a full buffer');
  sink = new FrameSink(openFrameOutput(FRAME_FD), {
    bufferBytes: Number.MAX_SAFE_INTEGER, // set from the config below
    onQueueChange: () => stats?.changed(),
    onPause: (paused, bytes) =>
      log.debug('-', paused ? `Falco is behind (${bytes} bytes queued): pausing the event stream` : 'Falco caught up: resuming the event stream'),
    onOverflow: () => {
      stats?.add('overflowEvents');
      overflow.report('Falco is behind and the buffer (init_config.bufferBytes) is full: dropped an event');
    },
    onBroken: (err) => {
      if (stop.signal.aborted) void exit(EXIT_OK);
      else void exit(EXIT_FAILED, err);
    },
  });

  const stdin = readStdin(process.stdin);
  void stdin.eof.then(() => stop.abort());

  const request = await stdin.request;
  const config = parseConfig(request.config);
  log.setLevel(config.logLevel);
  sink.setBufferBytes(config.bufferBytes);
  const sources = selectSources(request.openParams, process.env, { config, log });

  const activeSink = sink;
  const statsOutput = openStatsOutput(STATS_FD);
  stats = new Stats(activeSink, (snapshot) => (statsOutput === null ? activeSink.stats(snapshot) : statsOutput.write(encodeStatsFrame(snapshot))));
  const engine = new Engine({ sources, config, sinceNano: request.sinceNano, deliveredNanos: request.deliveredNanos, sink: activeSink, stats, log });
  const outcome = await engine.run(stop.signal);
  log.debug('-', outcome === 'finished' ? 'source finished; exiting' : 'stopping: stdin closed');
  await exit(EXIT_OK);
}

const args = process.argv.slice(2);
if (args.length === 0) {
  main().catch(fail);
} else if (args[0] === '--check') {
  const output = { out: (line: string) => process.stdout.write(`${line}\n`), err: (line: string) => process.stderr.write(`${line}\n`) };
  void checkSources(args.slice(1), process.env, createLogger('warning'), output).then((code) => process.exit(code));
} else {
  process.stderr.write(`unknown argument ${JSON.stringify(args[0])}; ${CHECK_USAGE}\n`);
  process.exit(EXIT_FAILED);
}
