import { createRequire } from 'node:module';
import type { TopicMessages } from 'kafkajs';
import { NexuralError } from '../../../../schemas/errors.js';

/**
 * The slice of `@confluentinc/kafka-javascript`'s KafkaJS-compatible API this adapter uses, typed here: the
 * package is an optional dependency (a native build) and may be absent, so nothing may import its types.
 */
export interface RdMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly offset: string;
  readonly timestamp: string;
  readonly headers?: Readonly<Record<string, Buffer | string | readonly (Buffer | string)[] | undefined>>;
}

export interface RdBatchPayload {
  readonly batch: {
    readonly topic: string;
    readonly partition: number;
    readonly highWatermark: string;
    readonly messages: readonly RdMessage[];
    lastOffset(): string;
  };
  resolveOffset(offset: string): void;
  isStale(): boolean;
  isRunning(): boolean;
}

export interface RdTopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface RdConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(subscription: { readonly topics: readonly string[] }): Promise<void>;
  run(config: {
    readonly eachBatchAutoResolve: boolean;
    readonly partitionsConsumedConcurrently: number;
    readonly eachBatch: (payload: RdBatchPayload) => Promise<void>;
  }): Promise<void>;
  commitOffsets(offsets: readonly { topic: string; partition: number; offset: string }[]): Promise<void>;
  seek(position: { topic: string; partition: number; offset: string }): void;
  pause(partitions: readonly RdTopicPartitions[]): void;
  resume(partitions: readonly RdTopicPartitions[]): void;
  /** the node-rdkafka consumer underneath (the compatible API's own sendOffsets passes it on too) */
  _getInternalClient(): {
    seek(
      position: { topic: string; partition: number; offset: number },
      timeoutMs: number,
      done: (error?: { readonly code: number; readonly message: string }) => void,
    ): void;
  };
}

export interface RdRecordMetadata {
  readonly topicName: string;
  readonly partition: number;
  readonly baseOffset?: string;
}

export interface RdProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** kafkajs's message shape (the compatible API takes it as is) */
  sendBatch(batch: { readonly topicMessages: TopicMessages[] }): Promise<RdRecordMetadata[]>;
  transaction(): Promise<RdProducer>;
  sendOffsets(offsets: {
    readonly consumer: RdConsumer;
    readonly topics: readonly { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** A librdkafka rebalance event: assign (ERR__ASSIGN_PARTITIONS) or revoke, with the partitions it concerns. */
export type RdRebalanceCallback = (
  error: { readonly code: number },
  assignment: readonly { readonly topic: string; readonly partition: number }[],
  apply: {
    /** assigns these partitions, each from `offset` where set (else its committed offset) */
    assign(partitions: readonly { topic: string; partition: number; offset?: number }[]): void;
  },
) => Promise<void>;

export interface RdKafka {
  producer(config: Record<string, unknown>): RdProducer;
  consumer(config: Record<string, unknown>): RdConsumer;
}

interface RdModule {
  readonly KafkaJS: {
    readonly Kafka: new (config: Record<string, unknown>) => RdKafka;
    readonly logLevel: Readonly<Record<'NOTHING' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG', number>>;
  };
  readonly CODES: { readonly ERRORS: Readonly<Record<string, number>> };
  readonly librdkafkaVersion: string;
}

const PACKAGE = '@confluentinc/kafka-javascript';
let loaded: RdModule | null = null;

/**
 * Loads the binding the first time the librdkafka client is chosen, synchronously so the choice fails where
 * it is made. Absent (its optional native build failed or was skipped) or built for another Node.js: one
 * NXR_CONFIG_INVALID error naming the setting and how to get the binding.
 */
export function loadRdkafka(): RdModule {
  if (loaded !== null) return loaded;
  try {
    loaded = createRequire(import.meta.url)(PACKAGE) as RdModule;
    return loaded;
  } catch (error) {
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      `NEXURAL_KAFKA_CLIENT=librdkafka needs ${PACKAGE} built for this Node.js (${process.version}), ` +
        `which did not load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}. ` +
        'Reinstall with CKJS_LINKING=dynamic and npm_config_nodedir set (see README), or use NEXURAL_KAFKA_CLIENT=kafkajs.',
      { setting: 'NEXURAL_KAFKA_CLIENT', package: PACKAGE },
      { cause: error },
    );
  }
}

/** Whether the binding loads here (tests skip the librdkafka runs where it does not). */
export function rdkafkaAvailable(): boolean {
  try {
    loadRdkafka();
    return true;
  } catch {
    return false;
  }
}
