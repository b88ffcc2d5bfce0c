import type { PartitionOffset, TopicPartition } from '../../../../schemas/ports/stream-log.js';

/** What the group needs from a member to move partitions between members. */
export interface GroupMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  /** Stop handling, let the in-flight batch finish, run onRevoked. */
  revokeAll(): Promise<void>;
  /** Take these partitions of generation `generationId` (positions from the group's commits), run onAssigned, start handling. */
  assign(partitions: readonly TopicPartition[], generationId: number): Promise<void>;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * A consumer group of the in-process log: committed offsets and an eager rebalance on every join or leave
 * (everyone gives up everything, then partitions are dealt round-robin, as kafkajs's default assigner does).
 * Every rebalance starts a new generation once the members have given up their partitions, as a Kafka
 * group's does once its members have rejoined.
 */
export class ConsumerGroup {
  private readonly committed = new Map<string, number>();
  private readonly members: GroupMember[] = [];
  private rebalancing: Promise<void> = Promise.resolve();
  private generationId = 0;

  constructor(
    readonly groupId: string,
    private readonly partitionCount: (topic: string) => number,
    /** persists a consumer's own commits (a persisted log); transactional commits are recorded elsewhere */
    private readonly journal: ((groupId: string, offsets: readonly PartitionOffset[]) => void) | null = null,
  ) {}

  get isEmpty(): boolean {
    return this.members.length === 0;
  }

  committedOffset(topic: string, partition: number): number | undefined {
    return this.committed.get(partitionKey(topic, partition));
  }

  /** Every committed offset (what a rewritten coordinator.log keeps). */
  snapshot(): PartitionOffset[] {
    return [...this.committed].map(([key, offset]) => {
      const [topic = '', partition = '0'] = key.split('\u0000');
      return { topic, partition: Number(partition), offset: String(offset) };
    });
  }

  /** Whether offsets sent as of this generation by this member are still the group's to take (KIP-447). */
  accepts(generationId: number, memberId: string): boolean {
    return generationId === this.generationId && this.members.some((member) => member.memberId === memberId);
  }

  commit(offsets: readonly PartitionOffset[]): void {
    this.apply(offsets);
    this.journal?.(this.groupId, offsets);
  }

  /** Sets committed offsets without journaling them (a transaction commit, or replay at start). */
  apply(offsets: readonly PartitionOffset[]): void {
    for (const { topic, partition, offset } of offsets) {
      this.committed.set(partitionKey(topic, partition), Number(offset));
    }
  }

  join(member: GroupMember): Promise<void> {
    this.members.push(member);
    return this.rebalance();
  }

  leave(member: GroupMember): Promise<void> {
    const index = this.members.indexOf(member);
    if (index === -1) return this.rebalancing;
    return this.rebalance(async () => {
      await member.revokeAll();
      this.members.splice(this.members.indexOf(member), 1);
    });
  }

  /** Rebalances run one after another; a member joining mid-rebalance waits for the next round. */
  private rebalance(before: () => Promise<void> = async () => {}): Promise<void> {
    const run = async () => {
      await before();
      await Promise.all(this.members.map((member) => member.revokeAll()));
      this.generationId += 1;
      const generationId = this.generationId;
      const members = [...this.members].sort((a, b) => a.memberId.localeCompare(b.memberId));
      const assignment = new Map<GroupMember, TopicPartition[]>(members.map((member) => [member, []]));
      const topics = [...new Set(members.flatMap((member) => member.topics))].sort();
      for (const topic of topics) {
        const subscribers = members.filter((member) => member.topics.includes(topic));
        for (let partition = 0; partition < this.partitionCount(topic); partition += 1) {
          const owner = subscribers[partition % subscribers.length];
          if (owner !== undefined) assignment.get(owner)?.push({ topic, partition });
        }
      }
      await Promise.all(members.map((member) => member.assign(assignment.get(member) ?? [], generationId)));
    };
    this.rebalancing = this.rebalancing.then(run, run);
    return this.rebalancing;
  }
}
