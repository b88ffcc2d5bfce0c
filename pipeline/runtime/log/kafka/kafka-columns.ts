import type { KafkaMessage } from 'kafkajs';
import type { RecordColumnsView } from '../../../../schemas/ports/stream-log.js';

/** Distinct keys a consumer keeps as strings (a partition's records mostly repeat a few `venue:symbol` keys). */
const KEYS_KEPT = 64;
/** Longer keys are decoded each time: comparing them byte by byte would cost about as much. */
const KEPT_KEY_BYTES = 64;

/**
 * Record keys as strings without a string per record: the keys seen lately, each with a copy of its bytes,
 * looked up by the record's key bytes (compared in place).
 */
export class KeyStrings {
  private readonly bytes: Buffer[] = [];
  private readonly strings: string[] = [];
  private next = 0;

  of(key: Buffer): string {
    const length = key.length;
    if (length > KEPT_KEY_BYTES) return key.toString('utf8');
    const kept = this.bytes;
    for (let index = 0; index < kept.length; index++) {
      const bytes = kept[index] as Buffer;
      if (bytes.length !== length) continue;
      let at = 0;
      while (at < length && bytes[at] === key[at]) at++;
      if (at === length) return this.strings[index] as string;
    }
    const string = key.toString('utf8');
    const slot = this.next;
    this.next = (slot + 1) % KEYS_KEPT;
    kept[slot] = Buffer.from(key);
    this.strings[slot] = string;
    return string;
  }
}

/**
 * A kafkajs batch's messages as the port's columns: the processor reads them in place, without a record
 * object, a key string and a headers object per record. Offsets as numbers (Kafka's stay far below 2^53).
 */
export class KafkaColumns implements RecordColumnsView {
  constructor(
    private readonly messages: readonly KafkaMessage[],
    private readonly keys: KeyStrings,
  ) {}

  get length(): number {
    return this.messages.length;
  }

  offset(index: number): number {
    return Number(this.message(index).offset);
  }

  key(index: number): string | null {
    const key = this.message(index).key;
    return key === null || key === undefined ? null : this.keys.of(key);
  }

  timestamp(index: number): number {
    return Number(this.message(index).timestamp);
  }

  valueBytes(index: number): Buffer | null {
    return this.message(index).value;
  }

  valueStart(_index: number): number {
    return 0;
  }

  valueEnd(index: number): number {
    return this.message(index).value?.length ?? 0;
  }

  private message(index: number): KafkaMessage {
    return this.messages[index] as KafkaMessage;
  }
}
