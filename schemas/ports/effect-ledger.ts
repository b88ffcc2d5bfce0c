/**
 * The effect ledger: where a consumer records each side effect under an effect key, so a redelivered record
 * never repeats it. Two adapters (PGlite and pg, one SQL implementation: pipeline/store/sql-effect-ledger.ts)
 * pass one contract suite (pipeline/store/effect-ledger.contract.ts). Keys are unique per consumer.
 *
 * What `perform(key, effect)` guarantees:
 * - Once an effect is recorded `done`, `perform` with the same key never calls it again; it returns the
 *   recorded result. The ledger row is durable before `perform` resolves, so before the input offset is
 *   committed (the consumer runtime commits after `handle` resolves): with or before the offset.
 * - The gap: if the process dies after the external call succeeded but before the `done` row is written, the
 *   record is delivered again and the effect is called again, with `attempt` > 1 and the same
 *   `idempotencyKey`. Exactly-once then holds only if the external service deduplicates on that key (Stripe's
 *   Idempotency-Key, a Discord nonce, a webhook id, an upsert keyed by it); otherwise it is at-least-once,
 *   and `attempt` > 1 tells the effect it may be a repeat (check the service first).
 * - An effect whose only side effect is the ledger row itself (its `result`) is exactly-once, full stop.
 *
 * `performBatch(items)` gives the same guarantees for a whole batch in two statements instead of three per
 * effect: one claims every key (`started`), the effects not yet done run in order, one records all of them
 * `done` before it resolves. The price: the gap above is the whole batch — a process that dies mid-batch calls
 * every effect of the batch that ran but was not yet recorded again with `attempt` > 1. So an effect in a batch
 * must return the same result on a repeat (e.g. 'appended' whether it appended or found its line), and one
 * whose service cannot deduplicate is better off with `perform` (a gap of one call).
 */

/** JSON that round-trips through the store (jsonb). */
export type EffectResult =
  | null
  | boolean
  | number
  | string
  | readonly EffectResult[]
  | { readonly [key: string]: EffectResult };

export interface EffectCall {
  /** the effect key, prefixed with the consumer name: pass it to the external service as its idempotency key */
  readonly idempotencyKey: string;
  /** 1 on the first call; > 1 when an earlier call started and its outcome was never recorded */
  readonly attempt: number;
}

export type EffectOutcome<Result extends EffectResult> =
  | { readonly kind: 'performed'; readonly result: Result; readonly attempt: number }
  | { readonly kind: 'already-done'; readonly result: Result };

/** Where the record that caused an effect was read (for the effect log). */
export interface EffectSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface EffectEntry {
  readonly consumer: string;
  readonly effectKey: string;
  readonly state: 'started' | 'done';
  readonly attempts: number;
  readonly result: EffectResult;
  readonly source: EffectSource | null;
  readonly startedAt: number;
  readonly doneAt: number | null;
}

/** One effect of a batch: its key, the call, and the record that caused it. */
export interface EffectItem<Result extends EffectResult = EffectResult> {
  readonly effectKey: string;
  readonly effect: (call: EffectCall) => Promise<Result>;
  readonly source?: EffectSource;
}

/** The ledger of one consumer (the runtime hands each consumer its own). */
export interface EffectLedger {
  readonly consumer: string;
  /**
   * Runs `effect` unless `effectKey` is already done; records `started` before the call and `done` with its
   * result after it. A throwing effect leaves the key `started` (the next attempt sees `attempt` + 1).
   */
  perform<Result extends EffectResult>(
    effectKey: string,
    effect: (call: EffectCall) => Promise<Result>,
    source?: EffectSource,
  ): Promise<EffectOutcome<Result>>;
  /**
   * `perform` for many effects in one claim and one `done` write: the outcomes in the items' order. A key given
   * twice runs once (the later item gets `already-done`). If an effect throws, the effects before it are
   * recorded `done`, the ones after it are released uncalled (as if never claimed), and the error is thrown.
   */
  performBatch<Result extends EffectResult>(
    items: readonly EffectItem<Result>[],
  ): Promise<readonly EffectOutcome<Result>[]>;
  get(effectKey: string): Promise<EffectEntry | null>;
  /**
   * The saved resume point of an input that is not a log partition (a fan-out channel): null before the first
   * save. The runtime saves it after `handle` resolved, as a log commits an offset.
   */
  position(input: string): Promise<string | null>;
  savePosition(input: string, position: string): Promise<void>;
  /** This consumer's done effects in the order they were first started (the effect log). */
  list(options?: { readonly limit?: number; readonly afterKey?: string }): Promise<readonly EffectEntry[]>;
}

/** Hands out per-consumer ledgers over one store. */
export interface EffectLedgerStore {
  forConsumer(consumer: string): EffectLedger;
}
