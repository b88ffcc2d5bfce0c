import type { AlertRule } from '../alert-rule.js';

/** A change to one alert rule, as the running pipeline must learn it. */
export type RuleChange =
  | { readonly kind: 'upsert'; readonly rule: AlertRule }
  | { readonly kind: 'remove'; readonly id: string };

/**
 * Tells the running pipeline about rule changes (the compacted alert-rules topic: key = rule id, JSON rule
 * value, tombstone = delete). Resolves once the change is durable in the log; publishing the same change
 * again is harmless (the topic keeps the latest value per id).
 */
export interface RuleChangePublisher {
  publish(change: RuleChange): Promise<void>;
  close(): Promise<void>;
}
