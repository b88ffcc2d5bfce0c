import type { AlertEvent } from '../../../schemas/alert-event.js';
import type { Bar } from '../../../schemas/bar.js';
import type { DeadLetter } from '../../../schemas/dead-letter.js';
import type { IndicatorValue } from '../../../schemas/indicator-value.js';
import type { OutgoingRecord } from '../../../schemas/ports/stream-log.js';
import { symbolKey } from '../../../schemas/topics.js';
import type { RecordSerde } from '../serdes/record-serde.js';
import type { BatchOutputs, Timed } from './output-collector.js';

/** The serdes of the derived topics; each serde names its topic. */
export interface DerivedSerdes {
  readonly bars: RecordSerde<Bar>;
  readonly barsFinal: RecordSerde<Bar>;
  readonly indicators: RecordSerde<IndicatorValue>;
  readonly alerts: RecordSerde<AlertEvent>;
  readonly deadLetters: RecordSerde<DeadLetter>;
}

async function encode<T>(
  serde: RecordSerde<T>,
  items: readonly Timed<T>[],
  keyOf: (value: T) => string | null,
  partition: number,
): Promise<OutgoingRecord[]> {
  const values = await Promise.all(items.map((item) => serde.serialize(item.value)));
  return items.map((item, index) => ({
    topic: serde.topic,
    key: keyOf(item.value),
    value: values[index] ?? null,
    partition,
    timestamp: item.at,
  }));
}

const marketKey = (value: { readonly venue: string; readonly symbol: string }) =>
  symbolKey(value.venue, value.symbol);

/**
 * A batch's outputs as records of the derived topics. Every record goes to the input's partition number
 * (the derived topics are co-partitioned with the raw topic, so that is also where its `venue:symbol` key
 * hashes to): each derived partition then has a single writer, and its order is the engine's order.
 * Timestamps are event times, so a re-run writes identical records.
 */
export async function encodeOutputs(
  outputs: BatchOutputs,
  serdes: DerivedSerdes,
  partition: number,
): Promise<OutgoingRecord[]> {
  const finals = outputs.bars.filter((bar) => bar.value.final);
  const alerts = outputs.alerts.map((event) => ({ value: event, at: event.time }));
  const parts = await Promise.all([
    encode(serdes.bars, outputs.bars, marketKey, partition),
    encode(serdes.barsFinal, finals, marketKey, partition),
    encode(serdes.indicators, outputs.indicators, marketKey, partition),
    encode(serdes.alerts, alerts, marketKey, partition),
    encode(serdes.deadLetters, outputs.deadLetters, (letter) => letter.key, partition),
  ]);
  return parts.flat();
}
