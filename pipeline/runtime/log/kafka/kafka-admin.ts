import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { NexuralError } from '../../../../schemas/errors.js';
import type { StreamLogAdmin, TopicDescription } from '../../../../schemas/ports/stream-log.js';
import { unknownTopic, validTopicSpecs } from '../topic-spec.js';
import { withoutKip447 } from '../without-kip447.js';
import { fromKafkaError, kafkaCall } from './kafka-errors.js';

// kafkajs is CommonJS; Node's ESM loader does not see this export by name
const { ConfigResourceTypes } = kafkajs;

export interface KafkaAdmin extends StreamLogAdmin {
  /** partition count of an existing topic (cached: Nexural never changes it after creation) */
  partitionCount(topic: string): Promise<number>;
  disconnect(): Promise<void>;
}

/** The admin half of the Kafka adapter; connects on first use. */
export function createKafkaAdmin(kafka: Kafka): KafkaAdmin {
  let connected: Promise<Admin> | null = null;
  const partitionCounts = new Map<string, number>();

  const admin = (): Promise<Admin> => {
    connected ??= (async () => {
      const client = kafka.admin();
      await kafkaCall('connecting the Kafka admin client', () => client.connect());
      return client;
    })().catch((error: unknown) => {
      connected = null;
      throw error;
    });
    return connected;
  };

  const existing = async (): Promise<Set<string>> =>
    new Set(await kafkaCall('listing topics', async () => (await admin()).listTopics()));

  const requireTopic = async (topic: string): Promise<Admin> => {
    if (!partitionCounts.has(topic) && !(await existing()).has(topic)) throw unknownTopic(topic);
    return admin();
  };

  const partitionCount = async (topic: string): Promise<number> => {
    const cached = partitionCounts.get(topic);
    if (cached !== undefined) return cached;
    const client = await requireTopic(topic);
    const { topics } = await kafkaCall(`reading metadata of "${topic}"`, () =>
      client.fetchTopicMetadata({ topics: [topic] }),
    );
    const count = topics[0]?.partitions.length ?? 0;
    partitionCounts.set(topic, count);
    return count;
  };

  return {
    partitionCount,
    async createTopics(specs) {
      const valid = validTopicSpecs(specs);
      const present = await existing();
      const missing = valid.filter((spec) => !present.has(spec.name));
      if (missing.length === 0) return [];
      await kafkaCall('creating topics', async () =>
        (await admin()).createTopics({
          // kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers for a
          // moment after the creation (kafkajs#815): waitForLeaders below retries it
          waitForLeaders: false,
          topics: missing.map((spec) => ({
            topic: spec.name,
            numPartitions: spec.partitions,
            configEntries: [
              { name: 'cleanup.policy', value: spec.compacted ? 'compact' : 'delete' },
              ...(spec.retentionMs === undefined
                ? []
                : [{ name: 'retention.ms', value: String(spec.retentionMs) }]),
              ...(spec.retentionBytes === undefined
                ? []
                : [{ name: 'retention.bytes', value: String(spec.retentionBytes) }]),
            ],
          })),
        }),
      );
      const created = missing.map((spec) => spec.name);
      await waitForLeaders(await admin(), created);
      return created;
    },
    async listTopics() {
      // internal topics (__consumer_offsets, __transaction_state) are the broker's, not ours
      const names = [...(await existing())].filter((name) => !name.startsWith('__')).sort();
      if (names.length === 0) return [];
      const client = await admin();
      const [{ topics }, configs] = await kafkaCall('describing topics', () =>
        Promise.all([
          client.fetchTopicMetadata({ topics: names }),
          client.describeConfigs({
            includeSynonyms: false,
            resources: names.map((name) => ({
              type: ConfigResourceTypes.TOPIC,
              name,
              configNames: ['cleanup.policy'],
            })),
          }),
        ]),
      );
      const compacted = new Map(
        configs.resources.map((resource) => [
          resource.resourceName,
          resource.configEntries.some(
            (entry) => entry.configName === 'cleanup.policy' && entry.configValue.includes('compact'),
          ),
        ]),
      );
      return topics.map(
        (topic): TopicDescription => ({
          name: topic.name,
          partitions: topic.partitions.length,
          compacted: compacted.get(topic.name) ?? false,
        }),
      );
    },
    async deleteTopics(names) {
      const present = await existing();
      const topics = names.filter((name) => present.has(name));
      for (const name of names) partitionCounts.delete(name);
      if (topics.length === 0) return;
      await kafkaCall('deleting topics', async () => (await admin()).deleteTopics({ topics }));
    },
    async deleteGroups(groupIds) {
      if (groupIds.length === 0) return;
      try {
        await (await admin()).deleteGroups([...groupIds]);
      } catch (error) {
        // a group that never committed does not exist on the broker: nothing to delete
        const groups =
          (error as { groups?: { errorCode: number; error?: { type?: string } }[] }).groups ?? [];
        const failed = groups.filter(
          (group) => group.errorCode !== 0 && group.error?.type !== 'GROUP_ID_NOT_FOUND',
        );
        if (groups.length === 0 || failed.length > 0) throw fromKafkaError(error, 'deleting groups');
      }
    },
    async partitionRanges(topic) {
      const client = await requireTopic(topic);
      const offsets = await kafkaCall(`reading offsets of "${topic}"`, () =>
        offsetsOnceListed(() => client.fetchTopicOffsets(topic)),
      );
      return offsets
        .map(({ partition, low, high }) => ({ partition, low, high }))
        .sort((a, b) => a.partition - b.partition);
    },
    async offsetsForTimes(topic, timestamp) {
      const client = await requireTopic(topic);
      const offsets = await kafkaCall(`finding offsets of "${topic}" at ${timestamp}`, () =>
        client.fetchTopicOffsetsByTimestamp(topic, timestamp),
      );
      return offsets
        .map(({ partition, offset }) => ({ topic, partition, offset }))
        .sort((a, b) => a.partition - b.partition);
    },
    async committedOffsets(groupId, topic, options) {
      if (options?.stable === true) {
        throw withoutKip447(
          'the kafkajs admin (OffsetFetch up to v4)',
          'reading offsets with require_stable',
        );
      }
      const client = await requireTopic(topic);
      const [result] = await kafkaCall(`reading offsets of group "${groupId}"`, () =>
        client.fetchOffsets({ groupId, topics: [topic] }),
      );
      return (result?.partitions ?? [])
        .map(({ partition, offset }) => ({ topic, partition, offset: offset === '-1' ? null : offset }))
        .sort((a, b) => a.partition - b.partition);
    },
    async disconnect() {
      const client = connected;
      connected = null;
      if (client !== null) await (await client).disconnect();
    },
  };
}

/**
 * kafkajs's fetchTopicOffsets throws a bare TypeError ("Cannot destructure property 'partitions' of
 * 'low.pop(...)'") when a ListOffsets answer comes back without the topic, as it can right after a topic was
 * created or its leaders moved (tulios/kafkajs#461, open). Asking again shortly after is the cure; other errors
 * pass through unchanged.
 */
async function offsetsOnceListed<T>(read: () => Promise<T>, attempts = 6): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof TypeError) || attempt >= attempts) throw error;
      await sleep(100 * attempt);
    }
  }
}

const LEADER_WAIT_MS = 30_000;
/** what a broker answers for a topic it created a moment ago, until its metadata has caught up */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION']);

/** Until every partition of `topics` has a leader: producing to them right after creation then works. */
async function waitForLeaders(client: Admin, topics: readonly string[]): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    let pending: string;
    try {
      const { topics: described } = await client.fetchTopicMetadata({ topics: [...topics] });
      const leaderless = described.find((topic) =>
        topic.partitions.some((partition) => partition.leader < 0),
      );
      if (leaderless === undefined) return;
      pending = `"${leaderless.name}" has a partition without a leader`;
    } catch (error) {
      const type = notYetType(error);
      if (type === null) throw fromKafkaError(error, 'reading new topics');
      pending = type;
    }
    if (Date.now() > deadline) {
      throw new NexuralError(
        'NXR_SERVICE_UNAVAILABLE',
        `topics ${topics.join(', ')} were created but not ready within ${LEADER_WAIT_MS / 1000} s (${pending})`,
        { topics: topics.join(',') },
      );
    }
    await sleep(100);
  }
}

/** the broker's not-yet answer in a kafkajs error (kept as `originalError` when kafkajs retried it), or null */
function notYetType(error: unknown): string | null {
  for (let cause = error, depth = 0; depth < 3 && typeof cause === 'object' && cause !== null; depth++) {
    const { type, originalError } = cause as { type?: unknown; originalError?: unknown };
    if (typeof type === 'string' && NOT_YET.has(type)) return type;
    cause = originalError;
  }
  return null;
}
