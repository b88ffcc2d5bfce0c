import type { AlertEvent } from '../../schemas/alert-event.js';
import type { LiveSubscribe } from '../../schemas/api.js';
import { liveClientMessageSchema } from '../../schemas/api.js';
import type { Bar } from '../../schemas/bar.js';
import { NexuralError } from '../../schemas/errors.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import { intervalOf } from '../../schemas/interval.js';
import { MAX_EVENT_TIME_MS } from '../../schemas/market.js';
import type { AlertFanout } from '../../schemas/ports/alert-fanout.js';
import type { LiveMarketFeed } from '../../schemas/ports/live-market.js';
import type { StoreReader } from '../../schemas/ports/store.js';
import { describeIssues } from '../../schemas/validate.js';
import { envelopeOf, toNexuralError } from '../errors.js';

/** The little of a ws WebSocket a session uses (a fake one in tests). */
export interface LiveSocket {
  readonly readyState: number;
  /** bytes queued but not yet handed to the network: grows while the client does not read */
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code: number, reason: string): void;
  terminate(): void;
}

export type LiveServerMessage =
  | { readonly type: 'subscribed'; readonly id: string; readonly channel: LiveSubscribe['channel'] }
  | { readonly type: 'unsubscribed'; readonly id: string }
  | { readonly type: 'bar'; readonly id: string; readonly bar: Bar; readonly replay?: true }
  | { readonly type: 'indicator'; readonly id: string; readonly value: IndicatorValue }
  | { readonly type: 'alert'; readonly id: string; readonly deliveryId: string; readonly event: AlertEvent }
  | { readonly type: 'pong' }
  | {
      readonly type: 'error';
      readonly id: string | null;
      readonly error: ReturnType<typeof envelopeOf>['error'];
    };

export interface LiveSessionOptions {
  readonly socket: LiveSocket;
  readonly owner: string;
  readonly live: LiveMarketFeed | null;
  readonly fanout: AlertFanout;
  readonly store: StoreReader;
  readonly maxBufferedBytes: number;
  readonly maxSubscriptions: number;
  /** a dropped or failed session reports why (logs) */
  readonly onDrop?: (reason: string) => void;
  /**
   * the plan's data delay (0 = real time): bars and indicator values are then sent only once final, each
   * `delayMs` after its bar closed, and a resume replays only bars closed by now − delay
   */
  readonly delayMs?: number;
  readonly now?: () => number;
}

const OPEN = 1;
/** RFC 6455 1013 "try again later": the client may reconnect (and resume) once it keeps up. */
export const SLOW_CONSUMER_CLOSE = 1013;
/** Stored bars sent before live ones on a resumed bar subscription, at most. */
export const MAX_RESUME_BARS = 5_000;

interface Closable {
  close(): void | Promise<void>;
}

/**
 * One WebSocket client's subscriptions. Every message is written without waiting: a client whose unsent
 * bytes pass `maxBufferedBytes` is dropped (close 1013, reason NXR_SLOW_CONSUMER) so it costs the server a
 * bounded buffer and the pipeline nothing. Alerts resume from the last delivery id the client saw
 * (`resumeAfter`); bars from an open time (`sinceOpenTime`: stored bars first, then live).
 */
export class LiveSession {
  private readonly subscriptions = new Map<string, Closable>();
  /** messages of a delayed plan waiting for their release time */
  private readonly delayed = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;

  constructor(private readonly options: LiveSessionOptions) {}

  /** One text frame from the client. */
  receive(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.sendError(null, new NexuralError('NXR_PARSE_FAILED', 'a live message must be JSON'));
      return;
    }
    const parsed = liveClientMessageSchema.safeParse(json);
    if (!parsed.success) {
      const path = parsed.error.issues[0]?.path.map(String) ?? [];
      this.sendError(
        null,
        new NexuralError('NXR_SCHEMA_INVALID', `invalid live message: ${describeIssues(parsed.error)}`, {
          path,
        }),
      );
      return;
    }
    const message = parsed.data;
    if (message.op === 'ping') this.send({ type: 'pong' });
    else if (message.op === 'unsubscribe') void this.unsubscribe(message.id);
    else this.subscribe(message);
  }

  /** The socket closed (either side): every subscription ends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    for (const subscription of this.subscriptions.values()) void subscription.close();
    this.subscriptions.clear();
  }

  private subscribe(message: LiveSubscribe): void {
    const refusal = this.refusalOf(message);
    if (refusal) {
      this.sendError(message.id, refusal);
      return;
    }
    if (message.channel === 'alerts') {
      this.subscribeAlerts(message);
      return;
    }
    const live = this.options.live;
    if (!live) {
      this.sendError(
        message.id,
        new NexuralError('NXR_SERVICE_UNAVAILABLE', 'live bars are not available here'),
      );
      return;
    }
    const series = { venue: message.venue, symbol: message.symbol, interval: message.interval };
    const { id } = message;
    if (message.channel === 'indicators') {
      this.subscriptions.set(
        id,
        live.subscribe(series, (update) => {
          if (update.kind !== 'indicator') return;
          if (!this.isDelayed()) {
            this.send({ type: 'indicator', id, value: update.value });
            return;
          }
          if (!update.value.final) return;
          const interval = intervalOf(update.value.interval);
          const closedAt = update.value.openTime + (interval.kind === 'time' ? interval.ms : 0);
          this.sendAt(closedAt, id, { type: 'indicator', id, value: update.value });
        }),
      );
      this.send({ type: 'subscribed', id, channel: message.channel });
      return;
    }
    // Bars: live updates are held back while stored ones are sent, so the client sees them in order.
    let held: Bar[] | null = message.sinceOpenTime === undefined ? null : [];
    this.subscriptions.set(
      id,
      live.subscribe(series, (update) => {
        if (update.kind !== 'bar') return;
        if (this.isDelayed()) {
          if (update.bar.final)
            this.sendAt(update.bar.closeTime + 1, id, { type: 'bar', id, bar: update.bar });
          return;
        }
        if (held) held.push(update.bar);
        else this.send({ type: 'bar', id, bar: update.bar });
      }),
    );
    this.send({ type: 'subscribed', id, channel: message.channel });
    if (message.sinceOpenTime === undefined) return;
    void this.sendStoredBars(id, series, message.sinceOpenTime)
      .catch((error: unknown) => this.sendError(id, toNexuralError(error).error))
      .finally(() => {
        const pending = held ?? [];
        held = null;
        for (const bar of pending) this.send({ type: 'bar', id, bar });
      });
  }

  private refusalOf(message: LiveSubscribe): NexuralError | null {
    if (this.subscriptions.has(message.id)) {
      return new NexuralError('NXR_CONFLICT', `subscription "${message.id}" exists`);
    }
    if (this.subscriptions.size >= this.options.maxSubscriptions) {
      return new NexuralError(
        'NXR_BAD_VALUE',
        `at most ${this.options.maxSubscriptions} subscriptions per connection`,
      );
    }
    return null;
  }

  private async sendStoredBars(
    id: string,
    series: { venue: string; symbol: string; interval: string },
    from: number,
  ): Promise<void> {
    let cursor: string | null = null;
    let sent = 0;
    do {
      const page = await this.options.store.bars({
        ...series,
        from,
        to: this.isDelayed()
          ? this.now() - (this.options.delayMs ?? 0) - this.barMs(series.interval) + 1
          : MAX_EVENT_TIME_MS,
        limit: 1_000,
        cursor,
      });
      for (const bar of page.items) {
        if (!this.subscriptions.has(id) || sent >= MAX_RESUME_BARS) return;
        this.send({ type: 'bar', id, bar, replay: true });
        sent += 1;
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
  }

  private subscribeAlerts(message: Extract<LiveSubscribe, { channel: 'alerts' }>): void {
    const { id, venue, symbol } = message;
    const wanted = (event: AlertEvent) =>
      (venue === undefined || event.venue === venue) && (symbol === undefined || event.symbol === symbol);
    // Reserved now so a second subscribe with this id is refused while the fan-out attaches.
    let attached: Closable | null = null;
    const placeholder: Closable = { close: () => attached?.close() };
    this.subscriptions.set(id, placeholder);
    this.options.fanout
      .subscribe(
        { kind: 'owner', owner: this.options.owner },
        (delivery) => {
          if (wanted(delivery.event)) {
            this.send({ type: 'alert', id, deliveryId: delivery.id, event: delivery.event });
          }
        },
        message.resumeAfter === undefined ? {} : { resumeAfter: message.resumeAfter },
      )
      .then((subscription) => {
        attached = subscription;
        if (this.subscriptions.get(id) !== placeholder) void subscription.close();
        else this.send({ type: 'subscribed', id, channel: 'alerts' });
      })
      .catch((error: unknown) => {
        this.subscriptions.delete(id);
        this.sendError(id, toNexuralError(error).error);
      });
  }

  private async unsubscribe(id: string): Promise<void> {
    const subscription = this.subscriptions.get(id);
    if (!subscription)
      return this.sendError(id, new NexuralError('NXR_NOT_FOUND', `no subscription "${id}"`));
    this.subscriptions.delete(id);
    await subscription.close();
    this.send({ type: 'unsubscribed', id });
  }

  private isDelayed(): boolean {
    return (this.options.delayMs ?? 0) > 0;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private barMs(label: string): number {
    const interval = intervalOf(label);
    return interval.kind === 'time' ? interval.ms : 0;
  }

  /** A delayed plan's message leaves `delayMs` after `closedAt`, if the subscription still exists then. */
  private sendAt(closedAt: number, id: string, message: LiveServerMessage): void {
    const wait = closedAt + (this.options.delayMs ?? 0) - this.now();
    if (wait <= 0) {
      this.send(message);
      return;
    }
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      if (this.subscriptions.has(id)) this.send(message);
    }, wait);
    this.delayed.add(timer);
  }

  private sendError(id: string | null, error: NexuralError): void {
    this.send({ type: 'error', id, error: envelopeOf(error).error });
  }

  private send(message: LiveServerMessage): void {
    const { socket } = this.options;
    if (this.closed || socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.drop(`${socket.bufferedAmount} bytes unsent (limit ${this.options.maxBufferedBytes})`);
      return;
    }
    socket.send(JSON.stringify(message));
  }

  private drop(why: string): void {
    const reason = `NXR_SLOW_CONSUMER: ${why}`;
    this.options.onDrop?.(reason);
    this.close();
    this.options.socket.close(SLOW_CONSUMER_CLOSE, reason.slice(0, 123));
    // The close frame queues behind the unsent bytes; a client that reads nothing never gets it.
    setTimeout(() => this.options.socket.terminate(), 1_000).unref();
  }
}
