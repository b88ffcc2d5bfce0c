import type { LogRecord, RecordBatch, RecordColumnsView } from '../../../schemas/ports/stream-log.js';
import type { TradeTick } from '../../../schemas/tick.js';
import { fastRawTrade } from './fast-raw-trade.js';

/**
 * Records `[start, start + length)` of a batch as the processor reads them: in place from the batch's
 * columns where the log hands them so (the embedded log: no record object, offset string or value view per
 * record), else from its record objects (Kafka). Index 0 is the part's first record.
 */
export class BatchInput {
  private constructor(
    private readonly batch: Pick<RecordBatch, 'records' | 'columns'>,
    private readonly columns: RecordColumnsView | null,
    private readonly start: number,
    readonly length: number,
  ) {}

  static of(batch: Pick<RecordBatch, 'records' | 'columns'>): BatchInput {
    const columns = batch.columns ?? null;
    return new BatchInput(batch, columns, 0, columns === null ? batch.records.length : columns.length);
  }

  static ofRecords(records: readonly LogRecord[]): BatchInput {
    return BatchInput.of({ records });
  }

  /** Records `[from, to)` of this part. */
  slice(from: number, to = this.length): BatchInput {
    return new BatchInput(this.batch, this.columns, this.start + from, Math.max(0, to - from));
  }

  offset(index: number): string {
    const at = this.start + index;
    return this.columns === null ? this.recordAt(at).offset : String(this.columns.offset(at));
  }

  /** The offset as a bigint, for comparisons with positions (not per record on the hot path). */
  offsetNumber(index: number): bigint {
    const at = this.start + index;
    return this.columns === null ? BigInt(this.recordAt(at).offset) : BigInt(this.columns.offset(at));
  }

  key(index: number): string | null {
    const at = this.start + index;
    return this.columns === null ? this.recordAt(at).key : this.columns.key(at);
  }

  timestamp(index: number): number {
    const at = this.start + index;
    return this.columns === null ? this.recordAt(at).timestamp : this.columns.timestamp(at);
  }

  /** `fastRawTrade` of the record's value, read in place; undefined for a null value too. */
  fastTick(index: number): TradeTick | undefined {
    const at = this.start + index;
    const columns = this.columns;
    if (columns === null) {
      const value = this.recordAt(at).value;
      return value === null ? undefined : fastRawTrade(value);
    }
    const bytes = columns.valueBytes(at);
    return bytes === null ? undefined : fastRawTrade(bytes, columns.valueStart(at), columns.valueEnd(at));
  }

  /** The record object (built on first use where the batch has columns): for the full check and dead letters. */
  record(index: number): LogRecord {
    return this.recordAt(this.start + index);
  }

  private recordAt(at: number): LogRecord {
    return this.batch.records[at] as LogRecord;
  }
}
