/** Counters of one processor since it started (monotonic, except `lag` and `partitions`). */
export interface ProcessorStats {
  /** input records applied live (ticks + refused) */
  records: number;
  ticks: number;
  /** dead letters written (bad, duplicate and late records, invalid rules) */
  deadLetters: number;
  bars: number;
  finalBars: number;
  indicators: number;
  alerts: number;
  /** alerts the fan-out accepted as new (re-publishes after a restart are not counted) */
  published: number;
  fanoutFailures: number;
  transactions: number;
  checkpoints: number;
  /** bytes of the checkpoints written (chunks, before Kafka's framing) */
  checkpointBytes: number;
  /** wall time spent on the event loop taking checkpoints (capture) and serialising them, ms */
  checkpointMs: number;
  /** checkpoints that wrote their rule set (it changed since the partition's previous checkpoint) */
  ruleSets: number;
  /** of commitMs, the transactions that carried a checkpoint */
  checkpointCommitMs: number;
  /** records re-processed without output after a restart or rebalance */
  silentRecords: number;
  /** partitions set up again after a failed commit (broker outage) */
  rebuilds: number;
  /** returns to the event loop inside a watermark catch-up (a jump in event time across many symbols) */
  catchUpSteps: number;
  /** at-once fan-out: transactions that committed a new rule set before alerts computed with it went out */
  ruleCommits: number;
  /** records behind the end of the assigned partitions, as of their last batches */
  lag: number;
  partitions: number;
  /** wall time spent, ms: parsing + engine, encoding outputs, and in transactions (send, offsets, commit) */
  processMs: number;
  encodeMs: number;
  commitMs: number;
}

export const newProcessorStats = (): ProcessorStats => ({
  records: 0,
  ticks: 0,
  deadLetters: 0,
  bars: 0,
  finalBars: 0,
  indicators: 0,
  alerts: 0,
  published: 0,
  fanoutFailures: 0,
  transactions: 0,
  checkpoints: 0,
  checkpointBytes: 0,
  checkpointMs: 0,
  checkpointCommitMs: 0,
  ruleSets: 0,
  silentRecords: 0,
  rebuilds: 0,
  catchUpSteps: 0,
  ruleCommits: 0,
  lag: 0,
  partitions: 0,
  processMs: 0,
  encodeMs: 0,
  commitMs: 0,
});
