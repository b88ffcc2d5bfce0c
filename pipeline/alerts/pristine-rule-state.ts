import type { RuleSnapshot } from './alert-snapshot.js';

/** A rule's state while it is active and has never fired: what most of an engine's rules hold. */
export type PristineRuleState = Omit<RuleSnapshot, 'rule'> & {
  readonly status: 'active';
  readonly stopReason: null;
  readonly firingTimes: null;
  readonly firings: 0;
};

/** Frozen and shared (the schema's types are mutable): a rule runtime's snapshots and restored rules point to it. */
export const PRISTINE_RULE_STATE: PristineRuleState = Object.freeze({
  status: 'active',
  stopReason: null,
  instances: Object.freeze([]) as unknown as RuleSnapshot['instances'],
  firingTimes: null,
  firings: 0,
});

export const isPristineRuleState = (saved: Omit<RuleSnapshot, 'rule'>): saved is PristineRuleState =>
  saved.status === 'active' &&
  saved.stopReason === null &&
  saved.instances.length === 0 &&
  saved.firingTimes === null &&
  saved.firings === 0;
