import { isNexuralError, NexuralError } from '../../schemas/errors.js';
import type { StoreRecordKind, StoreWriteBatch, StoreWriter } from '../../schemas/ports/store.js';

export interface SinkWriterOptions {
  /**
   * rows per database transaction; a batch is flushed as soon as it holds this many (default 50,000: each
   * commit waits for a WAL flush, so small transactions cap throughput well below a raw COPY — bench/store.ts)
   */
  readonly maxBatchRows?: number;
  /** a partly filled batch is flushed this long after its first row arrived (default 50 ms) */
  readonly flushIntervalMs?: number;
  /**
   * rows held at most (being filled + waiting + being written); `write()` waits for room beyond it, so a
   * slow database slows the caller instead of growing memory (default 4 × maxBatchRows)
   */
  readonly maxHeldRows?: number;
  /** first wait before retrying a retryable failure (connection lost, overload), doubled up to 5 s (default 100) */
  readonly retryDelayMs?: number;
  /** told about each failed attempt, e.g. to log it */
  readonly onRetry?: (error: unknown, attempt: number) => void;
  /** told when a write went through after failed attempts (the store is back) */
  readonly onRecovered?: (attempts: number) => void;
}

const kinds: readonly StoreRecordKind[] = ['bars', 'trades', 'quotes', 'indicatorValues', 'alertEvents'];
type Rows = { [Kind in StoreRecordKind]: NonNullable<StoreWriteBatch[Kind]>[number][] };

interface OpenBatch {
  readonly rows: Rows;
  count: number;
  readonly durable: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout | null;
}

const emptyRows = (): Rows => ({ bars: [], trades: [], quotes: [], indicatorValues: [], alertEvents: [] });

/**
 * Batches derived records into store transactions. `write()` resolves only when every row it was given is
 * committed, so a consumer can commit its log offsets right after. Batches are written one at a time in
 * arrival order (indicator values carry no revision: a later forming value must land after an earlier one),
 * retryable failures are retried without end (rows are never dropped), and a permanent failure fails every
 * pending and later write: the caller must restart from its last committed offsets.
 */
export class SinkWriter {
  private readonly maxBatchRows: number;
  private readonly flushIntervalMs: number;
  private readonly maxHeldRows: number;
  private readonly retryDelayMs: number;
  private open: OpenBatch | null = null;
  private readonly sealed: OpenBatch[] = [];
  private heldRows = 0;
  private peakHeldRows = 0;
  private flushing = false;
  private failure: unknown = null;
  private closed = false;
  private admission: Promise<unknown> = Promise.resolve();
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: StoreWriter,
    private readonly options: SinkWriterOptions = {},
  ) {
    this.maxBatchRows = options.maxBatchRows ?? 50_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.maxHeldRows = options.maxHeldRows ?? 4 * this.maxBatchRows;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    if (!(this.maxBatchRows >= 1 && this.maxHeldRows >= this.maxBatchRows && this.flushIntervalMs >= 0)) {
      throw new NexuralError(
        'NXR_CONFIG_INVALID',
        `sink writer: need maxBatchRows >= 1, maxHeldRows >= maxBatchRows, flushIntervalMs >= 0; got ${JSON.stringify(options)}`,
      );
    }
  }

  /** Resolves once all of `batch` is durable; waits for room first when the store is behind. */
  write(batch: StoreWriteBatch): Promise<void> {
    if (this.closed) return Promise.reject(new NexuralError('NXR_CONFIG_INVALID', 'sink writer is closed'));
    // Writes are admitted one after another, so rows keep the order of the calls even while one waits for room.
    const admitted = this.admission.then(() => this.admit(batch));
    this.admission = admitted.catch(() => undefined);
    return admitted.then((durable) => Promise.all(durable)).then(() => undefined);
  }

  /** Flushes what is buffered now and resolves when it is durable. */
  async flush(): Promise<void> {
    await this.admission;
    const pending = [...this.sealed.map((batch) => batch.durable), ...(this.open ? [this.open.durable] : [])];
    this.seal();
    await Promise.all(pending);
  }

  /** Stops accepting writes and waits until everything accepted is durable (or failed). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush().catch(() => undefined);
    if (this.flushing || this.sealed.length > 0)
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Rows held now and the most ever held (memory bound). */
  stats(): { heldRows: number; peakHeldRows: number } {
    return { heldRows: this.heldRows, peakHeldRows: this.peakHeldRows };
  }

  private async admit(batch: StoreWriteBatch): Promise<Promise<void>[]> {
    const durable = new Set<Promise<void>>();
    for (const kind of kinds) {
      const records = batch[kind];
      if (!records) continue;
      let offset = 0;
      while (offset < records.length) {
        if (this.failure !== null) throw this.failure;
        while (this.heldRows >= this.maxHeldRows)
          await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
        if (this.failure !== null) throw this.failure;
        const open = this.open ?? this.startBatch();
        const room = Math.min(this.maxBatchRows - open.count, this.maxHeldRows - this.heldRows);
        const end = Math.min(records.length, offset + room);
        const target = open.rows[kind] as unknown[];
        for (let index = offset; index < end; index++) target.push(records[index]);
        open.count += end - offset;
        this.heldRows += end - offset;
        offset = end;
        this.peakHeldRows = Math.max(this.peakHeldRows, this.heldRows);
        durable.add(open.durable);
        if (open.count >= this.maxBatchRows) this.seal();
      }
    }
    return [...durable];
  }

  private startBatch(): OpenBatch {
    let resolve: () => void = () => {};
    let reject: (error: unknown) => void = () => {};
    const durable = new Promise<void>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    // A batch nobody awaits yet must not surface as an unhandled rejection; writers await `durable`.
    durable.catch(() => undefined);
    const batch: OpenBatch = { rows: emptyRows(), count: 0, durable, resolve, reject, timer: null };
    batch.timer = setTimeout(() => this.seal(), this.flushIntervalMs);
    this.open = batch;
    return batch;
  }

  private seal(): void {
    const batch = this.open;
    if (!batch) return;
    if (batch.timer) clearTimeout(batch.timer);
    this.open = null;
    this.sealed.push(batch);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    for (let batch = this.sealed[0]; batch !== undefined; batch = this.sealed[0]) {
      try {
        await this.writeWithRetry(batch);
        batch.resolve();
      } catch (error) {
        this.failure = error;
        batch.reject(error);
      }
      this.sealed.shift();
      this.heldRows -= batch.count;
      for (const wake of this.roomWaiters.splice(0)) wake();
    }
    this.flushing = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async writeWithRetry(batch: OpenBatch): Promise<void> {
    if (this.failure !== null) throw this.failure;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.write(batch.rows);
        if (attempt > 1) this.options.onRecovered?.(attempt - 1);
        return;
      } catch (error) {
        if (!(isNexuralError(error) && error.retryable)) throw error;
        this.options.onRetry?.(error, attempt);
        const delay = Math.min(this.retryDelayMs * 2 ** (attempt - 1), 5_000);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
