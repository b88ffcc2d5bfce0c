import { NexuralError } from '../../../../schemas/errors.js';
import type {
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
  /** the transaction's writes are done: flush them and wake consumers */
  changed(): void;
}

const fenced = (transactionalId: string) =>
  new NexuralError(
    'NXR_FENCED',
    `transactional id "${transactionalId}" was taken over by a newer producer; this one must stop`,
    { transactionalId },
  );

class EmbeddedTransaction implements LogTransaction {
  readonly mark: TransactionMark;
  private readonly logs = new Set<PartitionLog>();
  private readonly offsets = new Map<string, PartitionOffset[]>();

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

  async sendOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void> {
    this.guard();
    const pending = this.offsets.get(groupId) ?? [];
    pending.push(...validOffsets(offsets));
    this.offsets.set(groupId, pending);
  }

  async commit(): Promise<void> {
    this.guard();
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
