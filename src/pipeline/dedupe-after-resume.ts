// Stage 3: after a (re)connect with `since=`, drop the events the plugin already has. The boundary comes
// from the source's resume point (./resume-point.ts, which says why events arrive out of order); the stage
// drops, on that connection:
//   - events before the replay's start (delivered, or lost in a disorder wider than the margin);
//   - events remembered as delivered: byte-identical to one delivered at the same time, or, at the
//     engine's start with the plugin's resume.deliveredNano (times only: the engine never saw their bytes),
//     at the same time as one of them.
// Events without a time always pass. The boundary is fixed per connection, so events that arrive slightly
// out of order in the live stream after the replay are never mistaken for repeats of each other.

import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import type { DockerEvent } from './parse-event';
import type { ResumeBoundary } from './resume-point';

/** Drops repeats on one connection; `onRepeat` counts/logs each dropped event. */
export function dedupeAfterResume(
  boundary: ResumeBoundary,
  onRepeat: (event: DockerEvent) => void = () => undefined,
): MonoTypeOperatorFunction<DockerEvent> {
  const { fromNano, delivered } = boundary;
  if (fromNano === null) return (source) => source;
  const isRepeat = (event: DockerEvent): boolean => {
    const t = event.timeNano;
    if (t === null) return false;
    if (t < fromNano) return true;
    const same = delivered.get(t);
    return same !== undefined && same.some((p) => p === null || p.equals(event.payload));
  };
  return (source) =>
    new Observable<DockerEvent>((subscriber) =>
      source.subscribe({
        next: (event) => {
          if (isRepeat(event)) onRepeat(event);
          else subscriber.next(event);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
