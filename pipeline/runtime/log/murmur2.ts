const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (Java client `Utils.murmur2`), 32-bit signed, over the key's UTF-8 bytes. */
export function murmur2(key: Uint8Array): number {
  const length = key.length;
  let h = SEED ^ length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = (key[i] ?? 0) | ((key[i + 1] ?? 0) << 8) | ((key[i + 2] ?? 0) << 16) | ((key[i + 3] ?? 0) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length % 4;
  if (tail >= 3) h ^= (key[whole + 2] ?? 0) << 16;
  if (tail >= 2) h ^= (key[whole + 1] ?? 0) << 8;
  if (tail >= 1) h = Math.imul(h ^ (key[whole] ?? 0), M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner (Java client and kafkajs 2) picks for a keyed record. */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}
