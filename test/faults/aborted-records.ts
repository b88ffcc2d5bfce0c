import { Kafka, logLevel } from 'kafkajs';

/** A partition's aborted records: how many, and how many copies of each that is missing from the committed ones. */
export interface AbortedRecords {
  readonly topic: string;
  readonly partition: number;
  readonly aborted: number;
  /** aborted records whose image (key, timestamp, value) no committed record has */
  readonly missing: number;
  /** of those, images aborted more than once (written again after the first abort, and aborted again) */
  readonly missingTwice: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every record image of `topic` per partition, read committed or not, up to the partitions' current ends. */
async function imagesOf(
  brokers: readonly string[],
  topic: string,
  readUncommitted: boolean,
): Promise<Map<number, string[]>> {
  const kafka = new Kafka({ brokers: [...brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // the end read uncommitted: a committed reader stops short of an open transaction, so it waits for quiet
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const images = new Map<number, string[]>(ends.map(({ partition }) => [partition, []]));
  const reached = new Map<number, bigint>();
  const consumer = kafka.consumer({
    groupId: `faults.aborted.${Date.now()}.${Math.random()}`,
    readUncommitted,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let lastArrival = Date.now();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const list = images.get(batch.partition);
      for (const message of batch.messages) {
        list?.push(
          `${message.key?.toString() ?? ''}|${message.timestamp}|${message.value?.toString('base64') ?? '∅'}`,
        );
      }
      reached.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
      lastArrival = Date.now();
    },
  });
  const done = () =>
    ends.every(
      ({ partition, high, low }) =>
        BigInt(high) <= BigInt(low) || (reached.get(partition) ?? 0n) >= BigInt(high),
    );
  const started = Date.now();
  while (
    !done() &&
    Date.now() - started < 60_000 &&
    !(Date.now() - lastArrival > 5_000 && !readUncommitted)
  ) {
    await sleep(100);
  }
  await consumer.disconnect();
  return images;
}

/**
 * Per partition of `topic`, the records of aborted transactions (read uncommitted, not read committed), and
 * whether the committed ones lack them: a round re-emitted after an abort and committed leaves none missing;
 * one re-processed silently leaves its records missing once; one re-emitted and aborted again, twice.
 */
export async function abortedRecords(brokers: readonly string[], topic: string): Promise<AbortedRecords[]> {
  const all = await imagesOf(brokers, topic, true);
  const committed = await imagesOf(brokers, topic, false);
  const result: AbortedRecords[] = [];
  for (const [partition, images] of all) {
    const left = new Map<string, number>();
    for (const image of committed.get(partition) ?? []) left.set(image, (left.get(image) ?? 0) + 1);
    const abortedImages = new Map<string, number>();
    let aborted = 0;
    for (const image of images) {
      const count = left.get(image) ?? 0;
      if (count > 0) {
        left.set(image, count - 1);
        continue;
      }
      aborted++;
      abortedImages.set(image, (abortedImages.get(image) ?? 0) + 1);
    }
    const committedImages = new Set(committed.get(partition) ?? []);
    let missing = 0;
    let missingTwice = 0;
    for (const [image, count] of abortedImages) {
      if (committedImages.has(image)) continue;
      missing++;
      if (count > 1) missingTwice++;
    }
    result.push({ topic, partition, aborted, missing, missingTwice });
  }
  return result;
}
