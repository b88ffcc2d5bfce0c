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

/** What an output item holds: its value, and the event time its record is stamped with. */
interface ItemReader<I, T> {
  readonly valueOfItem: (item: I) => T;
  readonly timeOf: (item: I) => number;
}

/**
 * Appends the values of `items` (those `keep` accepts) as records of the serde's topic to `into`: at once
 * where the serde can (no promise per value), else awaiting every value's bytes together. `read` and `keyOf`
 * read an item: no wrapper object or filtered copy of the outputs per record.
 */
async function encode<I, T>(
  serde: RecordSerde<T>,
  items: readonly I[],
  read: ItemReader<I, NoInfer<T>>,
  keyOf: (value: NoInfer<T>) => string | null,
  partition: number,
  into: OutgoingRecord[],
  keep: (value: NoInfer<T>) => boolean = keepAll,
): Promise<void> {
  const topic = serde.topic;
  const now = serde.serializeNow;
  const { valueOfItem, timeOf } = read;
  if (now !== undefined) {
    for (let index = 0; index < items.length; index++) {
      const item = items[index] as I;
      const value = valueOfItem(item);
      if (!keep(value)) continue;
      into.push({ topic, key: keyOf(value), value: now(value), partition, timestamp: timeOf(item) });
    }
    return;
  }
  const kept = items.filter((item) => keep(valueOfItem(item)));
  const values = await Promise.all(kept.map((item) => serde.serialize(valueOfItem(item))));
  kept.forEach((item, index) => {
    into.push({
      topic,
      key: keyOf(valueOfItem(item)),
      value: values[index] ?? null,
      partition,
      timestamp: timeOf(item),
    });
  });
}

const keepAll = () => true;
const isFinal = (bar: Bar) => bar.final;
/** an output stamped with its cause's event time */
const timed = <T>(): ItemReader<Timed<T>, T> => ({
  valueOfItem: (item) => item.value,
  timeOf: (item) => item.at,
});
const timedBar = timed<Bar>();
const timedIndicator = timed<IndicatorValue>();
const timedDeadLetter = timed<DeadLetter>();
/** an alert: its own time */
const alertTimed: ItemReader<AlertEvent, AlertEvent> = {
  valueOfItem: (event) => event,
  timeOf: (event) => event.time,
};

/** the key the last venue and symbol made: consecutive outputs are mostly one symbol's (no string each) */
let keyVenue = '';
let keySymbol = '';
let lastKey = ':';
const marketKey = (value: { readonly venue: string; readonly symbol: string }): string => {
  if (value.venue !== keyVenue || value.symbol !== keySymbol) {
    keyVenue = value.venue;
    keySymbol = value.symbol;
    lastKey = symbolKey(keyVenue, keySymbol);
  }
  return lastKey;
};
const deadLetterKey = (letter: DeadLetter) => letter.key;

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
  await encode(serdes.bars, outputs.bars, timedBar, marketKey, partition, records);
  await encode(serdes.barsFinal, outputs.bars, timedBar, marketKey, partition, records, isFinal);
  await encode(serdes.indicators, outputs.indicators, timedIndicator, marketKey, partition, records);
  await encode(serdes.alerts, outputs.alerts, alertTimed, marketKey, partition, records);
  await encode(serdes.deadLetters, outputs.deadLetters, timedDeadLetter, deadLetterKey, partition, records);
  return records;
}
