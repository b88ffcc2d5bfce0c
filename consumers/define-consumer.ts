import type { z } from 'zod';
import type { AlertEvent } from '../schemas/alert-event.js';
import type { Bar } from '../schemas/bar.js';
import type { IndicatorValue } from '../schemas/indicator-value.js';
import type { AlertFanout } from '../schemas/ports/alert-fanout.js';
import type { EffectLedger, EffectSource } from '../schemas/ports/effect-ledger.js';
import type { Jobs } from '../schemas/ports/jobs.js';
import type { StoreReader } from '../schemas/ports/store.js';
import type { StrategyStore } from '../schemas/ports/strategies.js';
import type { StrategySignal } from '../schemas/strategy-signal.js';
import type { TradeTick } from '../schemas/tick.js';

/**
 * What a consumer can read, by the name it uses in `inputs`: the derived topics (see schemas/topics.ts), read
 * in the consumer's group, and the fan-out channels, read from the saved position (see consumers/README.md).
 */
export interface ConsumerInputValues {
  /** every bar update: forming, final and revisions */
  readonly bars: Bar;
  /** final bars only */
  readonly barsFinal: Bar;
  readonly indicators: IndicatorValue;
  readonly alerts: AlertEvent;
  /** the live alert fan-out (Redis Streams or in-process): each delivered alert, resumed after a restart */
  readonly alertsLive: AlertEvent;
  /** raw trade ticks (the shared raw topic, as the processor reads it) */
  readonly trades: TradeTick;
  /** strategy entry/exit signals (nexural.strategy-signals, written by the strategy consumer) */
  readonly strategySignals: StrategySignal;
}

export type ConsumerInput = keyof ConsumerInputValues;
export const consumerTopicInputs = [
  'bars',
  'barsFinal',
  'indicators',
  'alerts',
  'trades',
  'strategySignals',
] as const;
export type ConsumerTopicInput = (typeof consumerTopicInputs)[number];
export const consumerChannelInputs = ['alertsLive'] as const;
export type ConsumerChannelInput = (typeof consumerChannelInputs)[number];
export const consumerInputs = [
  ...consumerTopicInputs,
  ...consumerChannelInputs,
] as const satisfies readonly ConsumerInput[];
export const isChannelInput = (input: ConsumerInput): input is ConsumerChannelInput =>
  (consumerChannelInputs as readonly string[]).includes(input);

/** One decoded record; `input` tells which topic it came from and so the type of `value`. */
export type ConsumerRecord<Input extends ConsumerInput = ConsumerInput> = {
  [Name in Input]: {
    readonly input: Name;
    readonly value: ConsumerInputValues[Name];
    /** `venue:symbol` */
    readonly key: string | null;
    /** event time (ms) the record carries */
    readonly timestamp: number;
    /**
     * where it was read: unique per record, stable across redeliveries (a good effect key); a channel's records
     * say `fanout:<input>`, partition 0, and the delivery id `<ms>-<seq>` as offset
     */
    readonly source: EffectSource;
  };
}[Input];

/** The records of one partition, in order (per-key order holds within it). */
export interface ConsumerBatch<Input extends ConsumerInput = ConsumerInput> {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumerRecord<Input>[];
}

export interface ConsumerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A consumer's own counters, exported on /metrics as nexural_consumer_events_total{consumer, event}. */
export interface ConsumerMetrics {
  count(event: string, amount?: number): void;
}

/** What a consumer may use: ports only, never pipeline internals. */
export interface ConsumerContext<Config> {
  readonly name: string;
  /** the config, parsed and defaulted by the consumer's `configSchema` */
  readonly config: Config;
  /** this consumer's effect ledger: wrap every side effect in `ledger.performBatch(items)` or `ledger.perform(key, …)` */
  readonly ledger: EffectLedger;
  /** history (bars, indicators, alert events), read-only */
  readonly store: StoreReader;
  /** live alert fan-out (Redis or in-process); null where the process has none */
  readonly fanout: AlertFanout | null;
  /** delayed, scheduled and retried work; null where the process has no jobs adapter */
  readonly jobs: Jobs | null;
  /** strategies per user and the strategy tracker's tables; null where the process has none */
  readonly strategies: StrategyStore | null;
  /** publishes on the strategy-signals topic (at-least-once); null where the process has none */
  readonly signals: { publish(signals: readonly StrategySignal[]): Promise<void> } | null;
  readonly logger: ConsumerLogger;
  readonly metrics: ConsumerMetrics;
  readonly clock: { now(): number };
}

export interface ConsumerInstance<Input extends ConsumerInput> {
  /**
   * Handles the records of one partition. Resolve once every effect is recorded in the ledger: the offset is
   * committed after it resolves. Throw and the runtime retries, then handles the records one by one; a
   * record that still fails goes to the dead-letter topic.
   */
  handle(batch: ConsumerBatch<Input>): Promise<void>;
  /** Releases what `create` opened; called after the last batch was handled and committed. */
  close(): Promise<void>;
}

export interface ConsumerDefinition<Input extends ConsumerInput = ConsumerInput, Config = unknown> {
  /** lower-case, digits and dashes; the consumer group is `nexural.consumer.<name>` */
  readonly name: string;
  readonly description: string;
  readonly inputs: readonly Input[];
  /** a zod schema whose `.describe()` texts document each setting (`nexural consumers list` prints them) */
  readonly configSchema: z.ZodType<Config>;
  create(context: ConsumerContext<Config>): Promise<ConsumerInstance<Input>> | ConsumerInstance<Input>;
}

/** The registry's element type: any input set, any config. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds definitions of different config types
export type AnyConsumerDefinition = ConsumerDefinition<ConsumerInput, any>;

const namePattern = /^[a-z][a-z0-9-]{0,62}$/;

/** Checks a consumer's definition once, when its module loads (a bad name or input fails at startup). */
export function defineConsumer<const Input extends ConsumerInput, Schema extends z.ZodType>(definition: {
  readonly name: string;
  readonly description: string;
  readonly inputs: readonly Input[];
  readonly configSchema: Schema;
  create(
    context: ConsumerContext<z.output<Schema>>,
  ): Promise<ConsumerInstance<Input>> | ConsumerInstance<Input>;
}): ConsumerDefinition<Input, z.output<Schema>> {
  if (!namePattern.test(definition.name)) {
    throw new RangeError(`consumer name "${definition.name}" must match ${namePattern}`);
  }
  if (definition.inputs.length === 0) {
    throw new RangeError(
      `consumer "${definition.name}" reads no input; choose from ${consumerInputs.join(', ')}`,
    );
  }
  for (const input of definition.inputs) {
    if (!(consumerInputs as readonly string[]).includes(input)) {
      throw new RangeError(
        `consumer "${definition.name}": unknown input "${input}"; known: ${consumerInputs.join(', ')}`,
      );
    }
  }
  return Object.freeze({ ...definition }) as ConsumerDefinition<Input, z.output<Schema>>;
}

export const consumerGroupId = (name: string): string => `nexural.consumer.${name}`;
