import type { DeadLetter } from '../../../schemas/dead-letter.js';
import type { LogRecord, OutgoingRecord } from '../../../schemas/ports/stream-log.js';
import type { TradeTick } from '../../../schemas/tick.js';
import type { RecordSerde } from '../serdes/record-serde.js';
import { type ParseOptions, parseOrDeadLetter } from './parse-or-dead-letter.js';

export interface RoutedTrades {
  /** good trades with the record they came from (its offset is the tick's provenance) */
  readonly ticks: readonly { readonly tick: TradeTick; readonly record: LogRecord }[];
  readonly deadLetters: readonly DeadLetter[];
}

/** Splits a batch of raw trade records into ticks and dead letters, in record order. */
export function routeRawTrades(records: readonly LogRecord[], options: ParseOptions): RoutedTrades {
  const ticks: { tick: TradeTick; record: LogRecord }[] = [];
  const deadLetters: DeadLetter[] = [];
  for (const record of records) {
    const outcome = parseOrDeadLetter(
      {
        key: record.key,
        value: record.value,
        source: { topic: record.topic, partition: record.partition, offset: record.offset },
      },
      options,
    );
    if (outcome.kind === 'tick') ticks.push({ tick: outcome.tick, record });
    else deadLetters.push(outcome.deadLetter);
  }
  return { ticks, deadLetters };
}

/** Dead letters as records of the dead-letter topic, keyed like the refused record. */
export async function deadLetterRecords(
  deadLetters: readonly DeadLetter[],
  serde: RecordSerde<DeadLetter>,
): Promise<OutgoingRecord[]> {
  return Promise.all(
    deadLetters.map(async (deadLetter) => ({
      topic: serde.topic,
      key: deadLetter.key,
      value: await serde.serialize(deadLetter),
    })),
  );
}
