import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type {
  BatchControl,
  ConsumerOptions,
  GroupGeneration,
  LogConsumer,
  LogRecord,
  PartitionOffset,
  RecordBatch,
  TopicPartition,
} from '../../../../schemas/ports/stream-log.js';
import { GenerationWatch } from '../generation-watch.js';
import { validOffsets } from '../topic-spec.js';
import type { ChangeSignal } from './change-signal.js';
import { ColumnBatch } from './column-batch.js';
import { type ConsumerGroup, type GroupMember, partitionKey } from './consumer-group.js';
import type { PartitionLog } from './partition-log.js';

/** One process, no group coordinator: nobody evicts a member that is slow. */
const noHeartbeat: BatchControl = { heartbeat: async () => {} };

interface Assigned {
  readonly log: PartitionLog;
  position: number;
  paused: boolean;
  /** bumped by seek, so a batch in flight during a seek does not move the position afterwards */
  seeks: number;
  /** the batch read in place last, refilled by the next read (its handler is done with it by then) */
  columns: ColumnBatch | undefined;
}

export interface EmbeddedConsumerContext {
  readonly group: ConsumerGroup;
  readonly signal: ChangeSignal;
  readonly partitionLog: (topic: string, partition: number) => PartitionLog;
  readonly maxBatchRecords: number;
  readonly onClosed: (consumer: EmbeddedConsumer) => void;
}

/** A member of an in-process consumer group: one loop handing batches of its partitions to the handler. */
export class EmbeddedConsumer implements LogConsumer, GroupMember {
  readonly memberId = `embedded-${randomUUID()}`;
  readonly topics: readonly string[];
  private assigned = new Map<string, Assigned>();
  private cursor = 0;
  private gate: Promise<void> | null = null;
  private openGate: () => void = () => {};
  private inFlight: Promise<void> = Promise.resolve();
  private state: 'running' | 'closing' | 'stopped' = 'running';
  private stopping: Promise<void> | null = null;
  private readonly generations = new GenerationWatch();

  constructor(
    private readonly options: ConsumerOptions,
    private readonly context: EmbeddedConsumerContext,
  ) {
    this.topics = [...options.topics];
    this.closeGate();
  }

  get groupId(): string {
    return this.options.groupId;
  }

  async start(): Promise<void> {
    void this.loop();
    await this.context.group.join(this);
  }

  assignment(): readonly TopicPartition[] {
    return [...this.assigned.values()].map(({ log }) => ({ topic: log.topic, partition: log.partition }));
  }

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    this.context.group.commit(validOffsets(offsets));
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.setPaused(partitions, true);
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.setPaused(partitions, false);
    this.context.signal.notify();
  }

  seek(position: PartitionOffset): void {
    const [{ topic, partition, offset }] = validOffsets([position]) as [PartitionOffset];
    const assigned = this.assigned.get(partitionKey(topic, partition));
    if (assigned === undefined) return;
    assigned.position = Number(offset);
    assigned.seeks += 1;
    this.context.signal.notify();
  }

  generation(): Promise<GroupGeneration> {
    return this.generations.current();
  }

  close(): Promise<void> {
    return this.stop();
  }

  async revokeAll(): Promise<void> {
    this.generations.rebalancing();
    this.closeGate();
    this.context.signal.notify();
    await this.inFlight;
    const revoked = this.assignment();
    this.assigned = new Map();
    if (revoked.length > 0) await this.options.onRevoked?.(revoked, this);
  }

  async assign(partitions: readonly TopicPartition[], generationId: number): Promise<void> {
    if (this.state !== 'running') return;
    this.generations.joined({ groupId: this.groupId, generationId, memberId: this.memberId });
    const start = this.options.start ?? 'earliest';
    for (const { topic, partition } of partitions) {
      const log = this.context.partitionLog(topic, partition);
      const committed = this.context.group.committedOffset(topic, partition);
      const position = committed ?? (start === 'earliest' ? log.low : log.lastStable);
      this.assigned.set(partitionKey(topic, partition), {
        log,
        position,
        paused: false,
        seeks: 0,
        columns: undefined,
      });
    }
    if (partitions.length > 0) await this.options.onAssigned?.(partitions, this);
    this.openGate();
  }

  private stop(error?: Error): Promise<void> {
    this.stopping ??= (async () => {
      this.state = 'closing';
      this.generations.closed(this.groupId);
      this.openGate();
      this.context.signal.notify();
      await this.inFlight;
      await this.context.group.leave(this);
      this.state = 'stopped';
      this.context.onClosed(this);
      if (error !== undefined) this.options.onError?.(error);
    })();
    return this.stopping;
  }

  private async loop(): Promise<void> {
    while (this.state === 'running') {
      if (this.gate !== null) {
        await this.gate;
        continue;
      }
      const changed = this.context.signal.wait();
      const next = this.nextReadable();
      if (next === null) {
        await changed;
        continue;
      }
      const { assigned, read, end } = next;
      if (read.length === 0) {
        assigned.position = end;
        continue;
      }
      const done = this.handle(assigned, read, end);
      this.inFlight = done;
      await done;
      // yields to timers and I/O between batches: a handler that never awaits must not starve the process
      await yieldToEventLoop();
    }
  }

  private async handle(
    assigned: Assigned,
    read: ColumnBatch | readonly LogRecord[],
    end: number,
  ): Promise<void> {
    const { log } = assigned;
    const seeks = assigned.seeks;
    const highWatermark = String(log.lastStable);
    const batch: RecordBatch =
      read instanceof ColumnBatch
        ? {
            topic: log.topic,
            partition: log.partition,
            columns: read,
            get records() {
              return read.records;
            },
            highWatermark,
          }
        : { topic: log.topic, partition: log.partition, records: read, highWatermark };
    try {
      await this.options.handler(batch, noHeartbeat);
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      void this.stop(error);
      return;
    }
    if (assigned.seeks !== seeks || this.assigned.get(partitionKey(log.topic, log.partition)) !== assigned) {
      return;
    }
    assigned.position = end;
    if ((this.options.commit ?? 'after-batch') === 'after-batch') {
      this.context.group.commit([{ topic: log.topic, partition: log.partition, offset: String(end) }]);
    }
  }

  /** Round-robin over assigned partitions so one busy partition cannot starve the others. */
  private nextReadable() {
    const entries = [...this.assigned.values()];
    for (let step = 0; step < entries.length; step += 1) {
      const assigned = entries[(this.cursor + step) % entries.length];
      if (assigned === undefined || assigned.paused) continue;
      if (assigned.position >= assigned.log.lastStable) continue;
      this.cursor = (this.cursor + step + 1) % entries.length;
      const { maxBatchRecords } = this.context;
      const inPlace = this.options.inPlace
        ? assigned.log.readInPlace(assigned.position, maxBatchRecords, assigned.columns)
        : null;
      if (inPlace !== null) {
        assigned.columns = inPlace.batch;
        return { assigned, read: inPlace.batch, end: inPlace.next };
      }
      const { records, next } = assigned.log.read(assigned.position, maxBatchRecords);
      return { assigned, read: records, end: next };
    }
    return null;
  }

  private setPaused(partitions: readonly TopicPartition[], paused: boolean): void {
    for (const { topic, partition } of partitions) {
      const assigned = this.assigned.get(partitionKey(topic, partition));
      if (assigned !== undefined) assigned.paused = paused;
    }
  }

  private closeGate(): void {
    if (this.gate !== null) return;
    this.gate = new Promise<void>((resolve) => {
      this.openGate = () => {
        this.gate = null;
        resolve();
      };
    });
  }
}
