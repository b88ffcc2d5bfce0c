import { NexuralError } from '../../../../schemas/errors.js';
import type {
  GroupGeneration,
  LogTransaction,
  OutgoingRecord,
  PartitionOffset,
  TransactionalProducer,
} from '../../../../schemas/ports/stream-log.js';
import { validOffsets, validRecords } from '../topic-spec.js';
import type { AppendInput, PartitionLog, TransactionMark } from './partition-log.js';

/** What a transaction needs from the log it writes to. */
export interface TransactionHost {
  placeRecord(record: OutgoingRecord): { readonly log: PartitionLog; readonly input: AppendInput };
  nextTransactionId(): number;
  /** Records the outcome first (with the offsets) so a restart completes a half-written commit. */
  decide(
    transactionId: number,
    committed: boolean,
    offsets: ReadonlyMap<string, readonly PartitionOffset[]>,
  ): void;
  commitGroupOffsets(groupId: string, offsets: readonly PartitionOffset[]): void;
  /** whether the group still takes offsets sent as of `generation` (its generation and member are current) */
  groupAccepts(generation: GroupGeneration): boolean;
  /** open transactions holding offsets, which a stable read of them waits for */
  readonly holdingOffsets: Set<OffsetHolder>;
  /** the transaction's writes are done: flush them and wake consumers */
  changed(): void;
}

export interface OffsetHolder {
  holdsOffsets(groupId: string, topic: string): boolean;
}

const fenced = (transactionalId: string) =>
  new NexuralError(
    'NXR_FENCED',
    `transactional id "${transactionalId}" was taken over by a newer producer; this one must stop`,
    { transactionalId },
  );

class EmbeddedTransaction implements LogTransaction, OffsetHolder {
  readonly mark: TransactionMark;
  private readonly logs = new Set<PartitionLog>();
  private readonly offsets = new Map<string, PartitionOffset[]>();
  /** checked at commit, atomically with applying the offsets (nothing runs between check and apply) */
  private readonly generations: GroupGeneration[] = [];

  constructor(
    private readonly producer: EmbeddedTransactionalProducer,
    private readonly host: TransactionHost,
  ) {
    this.mark = { id: host.nextTransactionId(), state: 'open' };
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    this.guard();
    for (const record of validRecords(records)) {
      const { log, input } = this.host.placeRecord(record);
      log.append(input, this.mark);
      this.logs.add(log);
    }
    // sent = on disk when persisted, as a broker acknowledges a transactional send
    this.host.changed();
  }

  async sendOffsets(
    groupId: string,
    offsets: readonly PartitionOffset[],
    generation?: GroupGeneration,
  ): Promise<void> {
    this.guard();
    if (generation !== undefined) {
      if (generation.groupId !== groupId) {
        throw new NexuralError(
          'NXR_CONFIG_INVALID',
          `offsets of group "${groupId}" sent with a generation of group "${generation.groupId}"`,
        );
      }
      this.generations.push(generation);
    }
    const pending = this.offsets.get(groupId) ?? [];
    pending.push(...validOffsets(offsets));
    this.offsets.set(groupId, pending);
    this.host.holdingOffsets.add(this);
  }

  holdsOffsets(groupId: string, topic: string): boolean {
    return this.offsets.get(groupId)?.some((offset) => offset.topic === topic) ?? false;
  }

  async commit(): Promise<void> {
    this.guard();
    const moved = this.generations.find((generation) => !this.host.groupAccepts(generation));
    if (moved !== undefined) {
      throw new NexuralError(
        'NXR_GROUP_MOVED',
        `group "${moved.groupId}" moved past generation ${moved.generationId} of member ${moved.memberId}; abort the transaction`,
        { ...moved },
      );
    }
    this.host.decide(this.mark.id, true, this.offsets);
    this.end('committed');
    for (const [groupId, offsets] of this.offsets) this.host.commitGroupOffsets(groupId, offsets);
    this.host.changed();
  }

  async abort(): Promise<void> {
    this.guard();
    this.host.decide(this.mark.id, false, new Map());
    this.end('aborted');
    this.host.changed();
  }

  /** Aborts without the fencing check: the producer is being fenced or closed. */
  forceAbort(): void {
    if (this.mark.state !== 'open') return;
    this.host.decide(this.mark.id, false, new Map());
    this.end('aborted');
    this.host.changed();
  }

  private end(state: 'committed' | 'aborted'): void {
    this.mark.state = state;
    this.host.holdingOffsets.delete(this);
    for (const log of this.logs) log.endTransaction(this.mark);
  }

  private guard(): void {
    if (this.producer.isFenced) throw fenced(this.producer.transactionalId);
    if (this.mark.state !== 'open') {
      throw new NexuralError('NXR_CONFIG_INVALID', `transaction already ${this.mark.state}; begin a new one`);
    }
  }
}

export class EmbeddedTransactionalProducer implements TransactionalProducer {
  private current: EmbeddedTransaction | null = null;
  private fencedOff = false;

  constructor(
    readonly transactionalId: string,
    private readonly host: TransactionHost,
    private readonly onClose: (producer: EmbeddedTransactionalProducer) => void,
  ) {}

  get isFenced(): boolean {
    return this.fencedOff;
  }

  async transaction(): Promise<LogTransaction> {
    if (this.fencedOff) throw fenced(this.transactionalId);
    if (this.current?.mark.state === 'open') {
      throw new NexuralError('NXR_CONFIG_INVALID', 'a transaction is already open on this producer');
    }
    this.current = new EmbeddedTransaction(this, this.host);
    return this.current;
  }

  /** A newer producer took the id: abort what is open and refuse everything after. */
  fence(): void {
    this.current?.forceAbort();
    this.fencedOff = true;
  }

  async close(): Promise<void> {
    this.current?.forceAbort();
    this.onClose(this);
  }
}
