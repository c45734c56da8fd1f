// The flow of every source at once: when Falco falls behind, the sink (./frame-sink.ts) pauses the group,
// and each endpoint's current connection with it; a connection made while paused starts paused.

import type { FlowControl } from './frame-sink';

/** The connections the sink pauses when Falco is behind: every endpoint's current one. */
export class FlowGroup implements FlowControl {
  private readonly connections = new Set<FlowControl>();
  private paused = false;

  add(connection: FlowControl): void {
    this.connections.add(connection);
    if (this.paused) connection.pause();
  }

  remove(connection: FlowControl): void {
    this.connections.delete(connection);
  }

  get pausable(): boolean {
    for (const c of this.connections) if (c.pausable === false) return false;
    return true;
  }

  pause(): void {
    this.paused = true;
    for (const c of this.connections) c.pause();
  }

  resume(): void {
    this.paused = false;
    for (const c of this.connections) c.resume();
  }
}
