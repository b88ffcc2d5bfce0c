import type { KafkaMessage } from 'kafkajs';
import type { RecordColumnsView } from '../../../../schemas/ports/stream-log.js';

/** Slots of the key cache (a power of two): a partition's records repeat its few hundred `venue:symbol` keys. */
const KEY_SLOTS = 1024;
/** Longer keys are decoded each time: hashing and comparing them would cost about as much. */
const KEPT_KEY_BYTES = 64;

/**
 * Record keys as strings without a string per record: a direct-mapped cache of keys seen, each slot with a
 * copy of its key's bytes, found by a hash of the record's key bytes and compared in place. A partition with
 * more distinct keys than slots still finds most of them, in one comparison each.
 */
export class KeyStrings {
  private readonly bytes: (Buffer | undefined)[] = new Array(KEY_SLOTS);
  private readonly strings: string[] = new Array(KEY_SLOTS);

  of(key: Buffer): string {
    const length = key.length;
    if (length > KEPT_KEY_BYTES) return key.toString('utf8');
    // FNV-1a over the bytes
    let hash = 0x811c9dc5;
    for (let at = 0; at < length; at++) hash = Math.imul(hash ^ (key[at] as number), 0x01000193);
    const slot = (hash >>> 0) & (KEY_SLOTS - 1);
    const kept = this.bytes[slot];
    if (kept !== undefined && kept.length === length) {
      let at = 0;
      while (at < length && kept[at] === key[at]) at++;
      if (at === length) return this.strings[slot] as string;
    }
    const string = key.toString('utf8');
    this.bytes[slot] = Buffer.from(key);
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
