import { envSchema } from '../../../../schemas/env.js';
import type { CrashChildConfig } from './crash-harness.js';

/**
 * A test processor's transactions as the caller chose them: NEXURAL_PROCESSOR_TRANSACTIONS, as `nexural run`
 * reads it (unset: nothing is passed, the processor's default). Shared transactions get a stable instance id
 * per slot, so a child restarted in place ends its killed predecessor's open transaction at once, as a
 * redeployed instance would (crash-harness.ts does the same); with a random one, read-committed readers of its
 * partitions wait up to the broker's transaction timeout after a kill.
 */
export function processorTransactions(slot: string): Pick<CrashChildConfig, 'transactions' | 'instanceId'> {
  const transactions = envSchema.shape.NEXURAL_PROCESSOR_TRANSACTIONS.parse(
    process.env.NEXURAL_PROCESSOR_TRANSACTIONS,
  );
  if (transactions === undefined) return {};
  return transactions === 'shared' ? { transactions, instanceId: slot } : { transactions };
}
