// What the engine knows of each container of one daemon: the `enrichment` key for its events
// (docs/enrichment.md), inspected once and kept in a bounded cache.
//
// A container is inspected the first time one of its events is seen, and again after `update` or `rename`
// (what they change is part of the context). A container already removed (404) is remembered as gone, so
// its later events cost nothing. `destroy` keeps the entry `keepAfterDestroyMs` longer for late events.
// Execs are inspected on their first event likewise, images once per image ID. A lookup answers at once
// when everything is known, else with a promise; how long an event may wait for it is the ordering
// stage's business (../pipeline/enrich-in-order.ts).

import { getMaxListeners, setMaxListeners } from 'node:events';
import { MAX_CONCURRENT_INSPECTS, type InspectKind, type InspectRequest } from '../../transports/transport';
import { asEngineError, InspectError, type EngineError } from '../errors';
import type { DockerEvent } from '../pipeline/parse-event';
import { Lru } from './lru';
import { summariseContainer, summariseExec, summariseImage, type ExecContext } from './summarise';

/**
 * How a lookup ended for an event: context added, none because gone or failed, none because too many
 * inspects were waiting (late at once), or none wanted.
 */
export type Outcome = 'enriched' | 'gone' | 'failed' | 'late' | 'none';

export interface Enrichment {
  /** `,"enrichment":{…}`, to insert before the event's closing brace; null: nothing to add. */
  readonly context: Buffer | null;
  readonly outcome: Outcome;
}

export interface ContainerContextsOptions {
  readonly inspect: (request: InspectRequest) => Promise<unknown>;
  readonly maxContainers: number;
  readonly keepAfterDestroyMs: number;
  /** Per inspect request. */
  readonly timeoutMs: number;
  /** The engine stops: requests in flight are abandoned, nothing is reported. */
  readonly signal: AbortSignal;
  /** Each request sent to the daemon. */
  readonly onRequest: () => void;
  /** An inspect that failed other than by 404. */
  readonly onFailure: (error: EngineError) => void;
  readonly now?: () => number;
}

/** A container's context, serialised once, and its user (for its execs). */
interface KnownContainer {
  /** `,"enrichment":{"container":{…},"image":{…}}`: the whole key for its events other than execs. */
  readonly context: Buffer;
  readonly user: string;
}

type Lookup<T> = T | 'gone' | 'failed';
type Entry<T> = Lookup<T> | Promise<Lookup<T>>;

const NONE: Enrichment = { context: null, outcome: 'none' };
const GONE: Enrichment = { context: null, outcome: 'gone' };
const FAILED: Enrichment = { context: null, outcome: 'failed' };
const BACKLOGGED: Enrichment = { context: null, outcome: 'late' };
/**
 * Inspects asked and not answered beyond which a new container is not inspected for now: its event goes
 * on at once without context and the container's next event asks again. A burst (docker compose up) fits;
 * a daemon that cannot keep up with the containers made no longer makes every event wait waitMs.
 */
export const MAX_UNANSWERED_INSPECTS = 256;
/** Execs and images are fewer and smaller than containers; their caches are sized from it. */
const EXECS_PER_CONTAINER_CACHE = 4;
const MAX_IMAGES = 1024;
const REFRESHING_ACTIONS = new Set(['update', 'rename']);

export class ContainerContexts {
  private readonly containers: Lru<Entry<KnownContainer>>;
  private readonly execs: Lru<Entry<ExecContext>>;
  private readonly images = new Lru<Entry<string | null>>(MAX_IMAGES);
  /** Destroyed containers and when to forget them, oldest first. */
  private readonly expiries: Array<{ readonly id: string; readonly at: number }> = [];
  private readonly now: () => number;
  private unanswered = 0;

  constructor(private readonly options: ContainerContextsOptions) {
    // Each request in flight listens to the engine's stop signal; the transport runs at most so many. Added
    // to the signal's limit: in a fan-in, every endpoint's contexts share it.
    setMaxListeners(getMaxListeners(options.signal) + MAX_CONCURRENT_INSPECTS, options.signal);
    this.containers = new Lru(options.maxContainers);
    this.execs = new Lru(Math.max(16, Math.ceil(options.maxContainers / EXECS_PER_CONTAINER_CACHE)));
    this.now = options.now ?? (() => performance.now());
  }

  /** Containers currently known (including gone ones remembered). */
  get size(): number {
    return this.containers.size;
  }

  /** The enrichment of `event`: at once when known, else once the daemon answered. */
  lookup(event: DockerEvent): Enrichment | Promise<Enrichment> {
    this.forgetExpired();
    if (event.enriched || event.type !== 'container' || event.actorId === null) return NONE;
    const id = event.actorId;
    if (REFRESHING_ACTIONS.has(event.action)) this.containers.delete(id);
    if (this.unanswered >= MAX_UNANSWERED_INSPECTS && !this.containers.has(id)) return BACKLOGGED;
    const container = this.container(id);
    if (event.action === 'destroy') this.expiries.push({ id, at: this.now() + this.options.keepAfterDestroyMs });
    const execId = event.action.startsWith('exec_') ? event.execId : null;
    if (execId === null) {
      return container instanceof Promise ? container.then(containerEnrichment) : containerEnrichment(container);
    }
    if (!(container instanceof Promise)) {
      const exec = this.exec(execId, container);
      return exec instanceof Promise ? exec.then((e) => execEnrichment(container, e)) : execEnrichment(container, exec);
    }
    return container.then(async (known) => execEnrichment(known, await this.exec(execId, known)));
  }

  private container(id: string): Entry<KnownContainer> {
    const cached = this.containers.get(id);
    if (cached !== undefined) return cached;
    const pending = this.fetchContainer(id);
    this.containers.set(id, pending);
    void pending.then((result) => {
      // A failure is not remembered (the next event asks again); gone and known are.
      if (this.containers.get(id) !== pending) return;
      if (result === 'failed') this.containers.delete(id);
      else this.containers.set(id, result);
    });
    return pending;
  }

  private exec(id: string, container: Lookup<KnownContainer>): Entry<ExecContext> {
    const cached = this.execs.get(id);
    if (cached !== undefined) return cached;
    const user = typeof container === 'object' ? container.user : null;
    const pending = this.request('exec', id).then((answer) => {
      if (typeof answer === 'string') return answer;
      return summariseExec(answer.inspect, user) ?? this.unusable('exec', id);
    });
    this.execs.set(id, pending);
    void pending.then((result) => {
      if (this.execs.get(id) !== pending) return;
      if (result === 'failed') this.execs.delete(id);
      else this.execs.set(id, result);
    });
    return pending;
  }

  private async fetchContainer(id: string): Promise<Lookup<KnownContainer>> {
    const answer = await this.request('container', id);
    if (typeof answer === 'string') return answer;
    const inspected = summariseContainer(answer.inspect);
    if (inspected === null) return this.unusable('container', id);
    const image: Record<string, string> = {};
    if (inspected.imageId !== null) {
      image['id'] = inspected.imageId;
      const digest = await this.imageDigest(inspected.imageId);
      if (typeof digest === 'string') image['digest'] = digest;
    }
    const members = `"container":${JSON.stringify(inspected.container)},"image":${JSON.stringify(image)}`;
    return { context: unpooled(`,"enrichment":{${members}}`), user: inspected.container.user };
  }

  private imageDigest(imageId: string): Entry<string | null> {
    const cached = this.images.get(imageId);
    if (cached !== undefined) return cached;
    const pending = this.request('image', imageId).then((answer) => (typeof answer === 'string' ? answer : summariseImage(answer.inspect)));
    this.images.set(imageId, pending);
    void pending.then((result) => {
      if (this.images.get(imageId) !== pending) return;
      if (result === 'failed') this.images.delete(imageId);
      else this.images.set(imageId, result);
    });
    return pending;
  }

  /** One inspect request: its answer, or gone (404) or failed (reported). */
  private async request(kind: InspectKind, id: string): Promise<{ readonly inspect: unknown } | 'gone' | 'failed'> {
    const { inspect, signal, timeoutMs } = this.options;
    if (signal.aborted) return 'failed';
    this.unanswered++;
    try {
      this.options.onRequest();
      const answer = await inspect({ kind, id, timeoutMs, signal });
      return answer === null ? 'gone' : { inspect: answer };
    } catch (err) {
      if (!signal.aborted) this.options.onFailure(asEngineError(err));
      return 'failed';
    } finally {
      this.unanswered--;
    }
  }

  private unusable(kind: InspectKind, id: string): 'failed' {
    this.options.onFailure(new InspectError(`the daemon's answer to the inspect of ${kind} ${id} is not an inspect (no ${kind === 'exec' ? 'ProcessConfig' : 'Id'})`));
    return 'failed';
  }

  private forgetExpired(): void {
    if (this.expiries.length === 0) return;
    const now = this.now();
    while (this.expiries.length > 0 && this.expiries[0].at <= now) this.containers.delete(this.expiries.shift()!.id);
  }
}

/**
 * `text`'s bytes in a buffer of their own. Buffer.from would cut a small one from Node's shared 8 KiB pool,
 * and a cached slice keeps its whole pool alive: 8.4 KiB per container instead of ~1.7 (measured with 10,000).
 */
function unpooled(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}

function containerEnrichment(container: Lookup<KnownContainer>): Enrichment {
  if (container === 'gone') return GONE;
  if (container === 'failed') return FAILED;
  return { context: container.context, outcome: 'enriched' };
}

function execEnrichment(container: Lookup<KnownContainer>, exec: Lookup<ExecContext>): Enrichment {
  if (typeof container !== 'object') return containerEnrichment(container);
  if (typeof exec !== 'object') return containerEnrichment(container);
  // The container's key with the exec added before its closing brace.
  const { context } = container;
  return { context: Buffer.concat([context.subarray(0, context.length - 1), Buffer.from(`,"exec":${JSON.stringify(exec)}}`)]), outcome: 'enriched' };
}
