import type {
  AlertDelivery,
  AlertFanout,
  AlertFilter,
  AlertSubscription,
} from '../schemas/ports/alert-fanout.js';
import type { EffectLedger } from '../schemas/ports/effect-ledger.js';
import type { LogRecord } from '../schemas/ports/stream-log.js';
import type { ConsumerChannelInput, ConsumerRecord } from './define-consumer.js';

/** Deliveries handed to `handle` at once (the rest wait for the next batch). */
const MAX_BATCH = 500;

export interface ChannelBatch {
  /** `fanout:<input>`, the records' source topic */
  readonly topic: string;
  readonly pairs: readonly { readonly record: LogRecord; readonly decoded: ConsumerRecord }[];
  /** deliveries received and not yet handled, after this batch */
  readonly backlog: number;
}

export interface ChannelReader {
  pause(): void;
  resume(): void;
  /** Stops receiving, finishes the batch in flight and saves its position. */
  close(): Promise<void>;
}

export interface ChannelInputOptions {
  readonly input: ConsumerChannelInput;
  readonly fanout: AlertFanout;
  readonly filter: AlertFilter;
  readonly ledger: EffectLedger;
  /** where a consumer without a saved position starts: the oldest delivery the fan-out keeps, or the next one */
  readonly start: 'earliest' | 'latest';
  /** the runtime's handling (retries, dead letters); the position is saved after it resolved */
  handle(batch: ChannelBatch): Promise<void>;
  /** handling failed past its retries: reading stopped, nothing after the saved position is lost */
  onError(error: Error): void;
}

function pairOf(topic: string, delivery: AlertDelivery) {
  const { event } = delivery;
  const key = `${event.venue}:${event.symbol}`;
  const source = { topic, partition: 0, offset: delivery.id };
  const record: LogRecord = {
    ...source,
    key,
    value: Buffer.from(JSON.stringify(event)),
    timestamp: event.time,
    headers: {},
  };
  const decoded = { input: 'alertsLive', value: event, key, timestamp: event.time, source } as const;
  return { record, decoded };
}

/**
 * Reads a fan-out channel as a consumer input: subscribes resuming after the position the ledger saved (the
 * adapter replays its kept history after it, then goes on live without gap or duplicate), hands the
 * deliveries to `handle` in batches in delivery-id order, and saves the last id after each batch — the
 * channel's offset commit. A delivery handled but not yet saved comes again after a restart; the effect ledger
 * makes that harmless. A position older than the fan-out's kept history loses what was trimmed.
 */
export async function startChannelInput(options: ChannelInputOptions): Promise<ChannelReader> {
  const topic = `fanout:${options.input}`;
  const saved = await options.ledger.position(options.input);
  const resumeAfter = saved ?? (options.start === 'earliest' ? '0-0' : undefined);
  const queue: AlertDelivery[] = [];
  let wake: () => void = () => {};
  const woken = () => new Promise<void>((resolve) => (wake = resolve));
  let paused = false;
  let stopping = false;
  let signal = woken();
  const subscription: AlertSubscription = await options.fanout.subscribe(
    options.filter,
    (delivery) => {
      queue.push(delivery);
      wake();
    },
    resumeAfter === undefined ? {} : { resumeAfter },
  );

  const loop = (async () => {
    while (!stopping) {
      if (paused || queue.length === 0) {
        await signal;
        signal = woken();
        continue;
      }
      const deliveries = queue.splice(0, MAX_BATCH);
      const last = deliveries.at(-1);
      if (last === undefined) continue;
      try {
        await options.handle({
          topic,
          pairs: deliveries.map((delivery) => pairOf(topic, delivery)),
          backlog: queue.length,
        });
        await options.ledger.savePosition(options.input, last.id);
      } catch (error) {
        stopping = true;
        await subscription.close();
        options.onError(error instanceof Error ? error : new Error(String(error)));
      }
    }
  })();

  return {
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      wake();
    },
    async close() {
      if (!stopping) {
        stopping = true;
        await subscription.close();
      }
      wake();
      await loop;
    },
  };
}
