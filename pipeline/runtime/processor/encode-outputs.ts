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

/**
 * Appends `items` as records of the serde's topic to `into`: at once where the serde can (no promise per
 * value), else awaiting every value's bytes together.
 */
async function encode<T>(
  serde: RecordSerde<T>,
  items: readonly Timed<T>[],
  keyOf: (value: T) => string | null,
  partition: number,
  into: OutgoingRecord[],
): Promise<void> {
  const topic = serde.topic;
  const now = serde.serializeNow;
  if (now !== undefined) {
    for (const item of items) {
      const value = item.value;
      into.push({ topic, key: keyOf(value), value: now(value), partition, timestamp: item.at });
    }
    return;
  }
  const values = await Promise.all(items.map((item) => serde.serialize(item.value)));
  items.forEach((item, index) => {
    into.push({
      topic,
      key: keyOf(item.value),
      value: values[index] ?? null,
      partition,
      timestamp: item.at,
    });
  });
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
  const records: OutgoingRecord[] = [];
  const finals = outputs.bars.filter((bar) => bar.value.final);
  const alerts = outputs.alerts.map((event) => ({ value: event, at: event.time }));
  await encode(serdes.bars, outputs.bars, marketKey, partition, records);
  await encode(serdes.barsFinal, finals, marketKey, partition, records);
  await encode(serdes.indicators, outputs.indicators, marketKey, partition, records);
  await encode(serdes.alerts, alerts, marketKey, partition, records);
  await encode(serdes.deadLetters, outputs.deadLetters, (letter) => letter.key, partition, records);
  return records;
}
