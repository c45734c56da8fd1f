// Log lines for the plugin: `<level> <CODE> <message>\n` on stderr (docs/engine-protocol.md). The plugin
// forwards each line to Falco's log at that severity, so a message is always one line.

import type { ErrorCode } from './errors';

export type LogLevel = 'error' | 'warning' | 'info' | 'debug';
export type LogCode = ErrorCode | '-';

const SEVERITY: Record<LogLevel, number> = { error: 0, warning: 1, info: 2, debug: 3 };

export interface Logger {
  error(code: LogCode, message: string): void;
  warning(code: LogCode, message: string): void;
  info(code: LogCode, message: string): void;
  debug(code: LogCode, message: string): void;
  setLevel(level: LogLevel): void;
}

export type LineWriter = (line: string) => void;

const writeStderr: LineWriter = (line) => {
  // Pipes are written synchronously on Linux, so a line is not lost when the process exits right after.
  process.stderr.write(line);
};

/** A logger writing lines at or above `level`. Newlines inside a message are flattened to keep one line. */
export function createLogger(level: LogLevel = 'info', write: LineWriter = writeStderr): Logger {
  let threshold = SEVERITY[level];
  const emit = (lvl: LogLevel, code: LogCode, message: string): void => {
    if (SEVERITY[lvl] > threshold) return;
    write(`${lvl} ${code} ${oneLine(message)}\n`);
  };
  return {
    error: (code, message) => emit('error', code, message),
    warning: (code, message) => emit('warning', code, message),
    info: (code, message) => emit('info', code, message),
    debug: (code, message) => emit('debug', code, message),
    setLevel: (lvl) => {
      threshold = SEVERITY[lvl];
    },
  };
}

function oneLine(message: string): string {
  return message.includes('\n') || message.includes('\r') ? message.replace(/\r?\n|\r/g, ' | ') : message;
}

/**
 * Reports a recurring problem without flooding the log: the first occurrence is logged in full, the
 * following ones are only counted and summarised once per `windowMs` ("N more …"). A window without
 * occurrences re-arms the full report. The timer is unref'd: it never keeps the engine alive.
 */
export interface RateLimitedReporter {
  report(detail: string): void;
  /** Logs the pending count now (at shutdown). */
  flush(): void;
}

export function createRateLimitedReporter(
  log: Logger,
  level: LogLevel,
  code: LogCode,
  what: string,
  windowMs = 10_000,
): RateLimitedReporter {
  let suppressed = 0;
  let timer: NodeJS.Timeout | null = null;

  const summarise = (): void => {
    timer = null;
    if (suppressed === 0) return;
    log[level](code, `${suppressed} more ${what} in the last ${Math.round(windowMs / 1000)} s`);
    suppressed = 0;
    arm();
  };
  const arm = (): void => {
    timer = setTimeout(summarise, windowMs);
    timer.unref();
  };

  return {
    report(detail) {
      if (timer === null) {
        log[level](code, detail);
        arm();
      } else {
        suppressed++;
      }
    },
    flush() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (suppressed > 0) log[level](code, `${suppressed} more ${what}`);
      suppressed = 0;
    },
  };
}
