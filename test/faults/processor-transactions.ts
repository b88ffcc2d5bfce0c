import type { CrashChildConfig } from '../../pipeline/runtime/processor/testing/crash-harness.js';
import { envSchema } from '../../schemas/env.js';

/**
 * The transactions of the suite's processor children: NEXURAL_PROCESSOR_TRANSACTIONS, as `nexural run` reads
 * it (unset: nothing is passed, the processor's default). With shared transactions each child slot gets a
 * stable instance id, so a child restarted in place ends its killed predecessor's open transaction at once,
 * as a redeployed instance would (crash-harness.ts does the same).
 */
export function processorTransactions(slot: string): Pick<CrashChildConfig, 'transactions' | 'instanceId'> {
  const transactions = envSchema.shape.NEXURAL_PROCESSOR_TRANSACTIONS.parse(
    process.env.NEXURAL_PROCESSOR_TRANSACTIONS,
  );
  if (transactions === undefined) return {};
  return transactions === 'shared' ? { transactions, instanceId: slot } : { transactions };
}
