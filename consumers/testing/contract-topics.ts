import { createJsonSerde } from '../../pipeline/runtime/serdes/record-serde.js';
import { alertEventSchema } from '../../schemas/alert-event.js';
import { barSchema } from '../../schemas/bar.js';
import { deadLetterSchema } from '../../schemas/dead-letter.js';
import { indicatorValueSchema } from '../../schemas/indicator-value.js';
import { strategySignalSchema } from '../../schemas/strategy-signal.js';
import { rawTradeSchema } from '../../schemas/tick.js';

/** The topics of one contract run (unique names per run). */
export interface ContractTopics {
  readonly bars: string;
  readonly barsFinal: string;
  readonly indicators: string;
  readonly alerts: string;
  readonly trades: string;
  readonly strategySignals: string;
  readonly deadLetters: string;
}

export const contractTopics = (run: string): ContractTopics => ({
  bars: `test.consumers.${run}.bars`,
  barsFinal: `test.consumers.${run}.bars.final`,
  indicators: `test.consumers.${run}.indicators`,
  alerts: `test.consumers.${run}.alerts`,
  trades: `test.consumers.${run}.trades`,
  strategySignals: `test.consumers.${run}.strategy-signals`,
  deadLetters: `test.consumers.${run}.dlq`,
});

export type ContractLogTarget =
  | { readonly kind: 'embedded'; readonly dataDir: string }
  | { readonly kind: 'kafka'; readonly brokers: readonly string[] };

export type ContractStoreTarget =
  | { readonly kind: 'pglite'; readonly dataDir: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

export interface ContractChildConfig {
  readonly consumer: { readonly module: string; readonly exportName: string; readonly config: unknown };
  readonly log: ContractLogTarget;
  readonly store: ContractStoreTarget;
  readonly topics: ContractTopics;
  readonly groupId: string;
  /** records per batch the consumer gets (the embedded log reads so many; a Kafka fetch is cut to it) */
  readonly maxBatchRecords: number;
  /** a pause before and after each batch's `handle`, half each (0: full speed), so short runs are killed mid-run */
  readonly paceMs: number;
  /** migrate the store at start (false when it is a copy of a migrated template) */
  readonly migrate: boolean;
}

/** Plain-JSON decoders of the contract topics (what the embedded log's serdes are). */
export function contractDecoders(topics: ContractTopics) {
  return {
    decoders: {
      bars: createJsonSerde(topics.bars, barSchema),
      barsFinal: createJsonSerde(topics.barsFinal, barSchema),
      indicators: createJsonSerde(topics.indicators, indicatorValueSchema),
      alerts: createJsonSerde(topics.alerts, alertEventSchema),
      trades: createJsonSerde(topics.trades, rawTradeSchema),
      strategySignals: createJsonSerde(topics.strategySignals, strategySignalSchema),
    },
    strategySignals: createJsonSerde(topics.strategySignals, strategySignalSchema),
    deadLetters: createJsonSerde(topics.deadLetters, deadLetterSchema),
  };
}
