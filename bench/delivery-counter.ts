// Falco's side of one capture in the fan-in bench: next_batch back to back (at once again after a TIMEOUT,
// as Falco does), each event counted under the endpoint it came from: the "host" key the engine adds to every
// event of a fan-in (its last key: src/endpoint-runner.ts); a lone endpoint (no comma, not a fan-in) has none.

import type { PluginInstance } from '../native/loader/index';

const HOST_KEY = '"host":"';

export class DeliveryCounter {
  /** Events per endpoint as open_params gave it. */
  readonly byHost = new Map<string, number>();
  total = 0;
  /** Events of a fan-in without a "host" key (none expected). */
  untagged = 0;
  /** Why the loop stopped early (FAILURE, EOF, a refused batch), or null. */
  failure: string | null = null;
  private stopping = false;
  private readonly loop: Promise<void>;

  /** `soleHost`: the endpoint of a capture that is not a fan-in, whose events carry no "host" key. */
  constructor(
    private readonly instance: PluginInstance,
    private readonly soleHost: string | null,
  ) {
    this.loop = this.run();
  }

  /** Ends the loop after the call in flight (close() must not run during a next_batch call). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopping) {
        const batch = await this.instance.nextBatch();
        if (batch.rc === 'TIMEOUT') continue;
        if (batch.rc !== 'SUCCESS') {
          this.failure = `next_batch returned ${batch.rc}${batch.error === undefined ? '' : `: ${batch.error}`}`;
          return;
        }
        for (const event of batch.events) this.count(event.data);
      }
    } catch (err) {
      this.failure = (err as Error).message;
    }
  }

  private count(payload: Buffer): void {
    this.total++;
    const at = payload.lastIndexOf(HOST_KEY);
    const end = at < 0 ? -1 : payload.indexOf('"', at + HOST_KEY.length);
    const host = end >= 0 ? payload.toString('utf8', at + HOST_KEY.length, end) : this.soleHost;
    if (host === null) {
      this.untagged++;
      return;
    }
    this.byHost.set(host, (this.byHost.get(host) ?? 0) + 1);
  }
}
