// A progress bar on stderr, redrawn in place every 250 ms on a terminal; elsewhere one line per phase.
// Progress is in planned seconds: each step says how long it should take, the bar moves with the clock
// inside a step (never past its share) and jumps to the step's end when it is done.

const WIDTH = 30;

function clock(s: number): string {
  const total = Math.max(0, Math.round(s));
  const m = Math.floor(total / 60);
  return m > 0 ? `${m}m${String(total % 60).padStart(2, '0')}s` : `${total}s`;
}

export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private readonly startedAt = performance.now();
  private doneS = 0;
  private step: { label: string; expectedS: number; startedAt: number } | null = null;
  private steps = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private totalS: number,
    private readonly totalSteps: number,
  ) {}

  /** A step of about `expectedS` seconds begins. */
  start(label: string, expectedS: number): void {
    this.steps++;
    this.step = { label, expectedS, startedAt: performance.now() };
    if (!this.tty) {
      process.stderr.write(`bench: [${this.steps}/${this.totalSteps}] ${label} (~${clock(expectedS)}) …\n`);
      return;
    }
    this.draw();
    this.timer ??= setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  /** The current step is over; `summary` is printed above the bar. */
  finish(summary: string): void {
    if (this.step !== null) this.doneS += this.step.expectedS;
    this.step = null;
    this.log(summary);
  }

  /** A line above the bar. */
  log(line: string): void {
    if (this.tty) process.stderr.write(`\r\x1b[2K`);
    process.stderr.write(`bench: ${line}\n`);
    if (this.tty && this.step !== null) this.draw();
  }

  /** More planned seconds (e.g. a probe under a namespace after the plain one failed). */
  extend(seconds: number): void {
    this.totalS += seconds;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }

  private draw(): void {
    const step = this.step;
    const inStepS = step === null ? 0 : Math.min(step.expectedS, (performance.now() - step.startedAt) / 1000);
    const fraction = Math.min(1, (this.doneS + inStepS) / Math.max(1e-9, this.totalS));
    const filled = Math.round(fraction * WIDTH);
    const elapsedS = (performance.now() - this.startedAt) / 1000;
    const leftS = Math.max(0, this.totalS - this.doneS - inStepS);
    const label = step === null ? '' : `[${this.steps}/${this.totalSteps}] ${step.label}`;
    const line = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${clock(elapsedS)} elapsed, ~${clock(leftS)} left  ${label}`;
    const columns = process.stderr.columns || 120;
    process.stderr.write(`\r\x1b[2K${line.slice(0, Math.max(20, columns - 1))}`);
  }
}
