// Stage 4 (when enrichment is on): each event gets its container context (../enrichment/), in order.
//
// An event whose context is known goes on at once. One whose container is being inspected waits, at most
// `waitMs` from its arrival, then goes on without it ('late'); the events behind it wait their turn, so
// the order never changes and no event is held longer than `waitMs`. Nor are more than `maxWaitingBytes`
// of events held: past that, the oldest go on without their context at once ('late'), so a flood of new
// containers costs context, not memory. The end or failure of the stream passes on after the events
// before it. Only the head of the queue has a timer.

import { Observable, type OperatorFunction } from 'rxjs';
import type { Enrichment, Outcome } from '../enrichment/container-contexts';
import type { DockerEvent } from './parse-event';

export interface EnrichedEvent {
  readonly event: DockerEvent;
  /** `,"enrichment":{…}` to insert before the payload's closing brace, or null. */
  readonly context: Buffer | null;
}

export interface EnrichInOrderOptions {
  readonly lookup: (event: DockerEvent) => Enrichment | Promise<Enrichment>;
  readonly waitMs: number;
  /** Bytes of events (payloads) the queue may hold. */
  readonly maxWaitingBytes: number;
  /** Once per event: what became of its context ('late': the wait ran out). */
  readonly onOutcome: (outcome: Outcome) => void;
}

interface Waiting {
  readonly event: DockerEvent;
  readonly deadline: number;
  result: EnrichedEvent | null;
}

export function enrichInOrder(options: EnrichInOrderOptions): OperatorFunction<DockerEvent, EnrichedEvent> {
  const { lookup, waitMs, maxWaitingBytes, onOutcome } = options;
  return (source) =>
    new Observable<EnrichedEvent>((subscriber) => {
      const queue: Waiting[] = [];
      let queuedBytes = 0;
      let timer: NodeJS.Timeout | null = null;
      let ended: { readonly error?: unknown } | null = null;

      const drain = (): void => {
        while (queue.length > 0 && queue[0].result !== null) {
          const { result, event } = queue.shift()!;
          queuedBytes -= event.payload.length;
          subscriber.next(result!);
        }
        if (queue.length > 0) {
          timer ??= setTimeout(expire, Math.max(0, queue[0].deadline - performance.now()));
          return;
        }
        if (ended === null) return;
        if ('error' in ended) subscriber.error(ended.error);
        else subscriber.complete();
      };
      const giveUp = (waiting: Waiting): void => {
        if (waiting.result !== null) return;
        waiting.result = { event: waiting.event, context: null };
        onOutcome('late');
      };
      const expire = (): void => {
        timer = null;
        const now = performance.now();
        for (const waiting of queue) {
          if (waiting.deadline > now) break;
          giveUp(waiting);
        }
        drain();
      };
      const enqueue = (waiting: Waiting): void => {
        queue.push(waiting);
        queuedBytes += waiting.event.payload.length;
        // Over the bound: the oldest stop waiting (drain takes them off the queue) until it fits again.
        while (queuedBytes > maxWaitingBytes && queue.length > 0) {
          giveUp(queue[0]);
          drain();
        }
      };
      const subscription = source.subscribe({
        next: (event) => {
          let found: Enrichment | Promise<Enrichment>;
          try {
            found = lookup(event);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (!(found instanceof Promise)) {
            onOutcome(found.outcome);
            const result = { event, context: found.context };
            if (queue.length === 0) subscriber.next(result);
            else enqueue({ event, deadline: 0, result });
            return;
          }
          if (waitMs === 0) {
            onOutcome('late');
            const result = { event, context: null };
            if (queue.length === 0) subscriber.next(result);
            else enqueue({ event, deadline: 0, result });
            return;
          }
          const waiting: Waiting = { event, deadline: performance.now() + waitMs, result: null };
          enqueue(waiting);
          found.then(
            (enrichment) => {
              if (waiting.result !== null || subscriber.closed) return;
              waiting.result = { event, context: enrichment.context };
              onOutcome(enrichment.outcome);
              if (queue[0] === waiting) {
                if (timer !== null) clearTimeout(timer);
                timer = null;
                drain();
              }
            },
            (err: unknown) => subscriber.error(err),
          );
          drain();
        },
        error: (err: unknown) => {
          ended = { error: err };
          drain();
        },
        complete: () => {
          ended = {};
          drain();
        },
      });
      return () => {
        if (timer !== null) clearTimeout(timer);
        subscription.unsubscribe();
      };
    });
}
