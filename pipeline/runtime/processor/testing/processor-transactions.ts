import { envSchema } from '../../../../schemas/env.js';
import type { CrashChildConfig } from './crash-harness.js';

/**
 * A test processor's transactions as the caller chose them: NEXURAL_PROCESSOR_TRANSACTIONS, as `nexural run`
 * reads it (unset: nothing is passed, the processor's default, auto). Wherever they may be shared (unset, auto,
 * shared) the processor gets a stable instance id per slot, so a child restarted in place ends its killed
 * predecessor's open transaction at once, as a redeployed instance with NEXURAL_PROCESSOR_INSTANCE_ID would
 * (crash-harness.ts does the same); with a random one, read-committed readers of its partitions wait until the
 * broker aborts the killed round (10–20 s), and the suite's comparisons right after the group caught up would
 * read them short. bench/crash-hold.ts measures that wait.
 */
export function processorTransactions(slot: string): Pick<CrashChildConfig, 'transactions' | 'instanceId'> {
  const transactions = envSchema.shape.NEXURAL_PROCESSOR_TRANSACTIONS.parse(
    process.env.NEXURAL_PROCESSOR_TRANSACTIONS,
  );
  if (transactions === 'per-partition') return { transactions };
  return { ...(transactions === undefined ? {} : { transactions }), instanceId: slot };
}
