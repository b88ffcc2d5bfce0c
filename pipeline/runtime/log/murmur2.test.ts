import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from './murmur2.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('murmur2', () => {
  // Reference values from Apache Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %s to %i like the Java client', (key, expected) => {
    expect(murmur2(bytes(key))).toBe(expected);
  });
});

describe('partitionForKey', () => {
  it('puts every key in the partition kafkajs DefaultPartitioner chooses', () => {
    const kafkajsPartition = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        (key, n) => {
          const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({
            partitionId,
            leader: 0,
            replicas: [0],
            isr: [0],
            partitionErrorCode: 0,
          }));
          const expected = kafkajsPartition({ topic: 't', partitionMetadata, message: { key, value: null } });
          expect(partitionForKey(key, n)).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
