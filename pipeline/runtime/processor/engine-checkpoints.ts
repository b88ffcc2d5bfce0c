import { attachRules, detachRules } from '../../engine/detached-rules.js';
import type { EngineConfigInput } from '../../engine/engine-config.js';
import type { EngineOutput } from '../../engine/engine-output.js';
import { parseEngineSnapshot } from '../../engine/engine-snapshot.js';
import { MarketEngine } from '../../engine/market-engine.js';

/** An engine's state as captured for a checkpoint: its rule definitions apart from everything else. */
export interface EngineCapture {
  /** a structured-clone-able value holding everything that decides the engine's future outputs but the rules */
  readonly state: unknown;
  /**
   * the rule definitions, in the engine's order; the same objects as long as a rule is unchanged, so a
   * processor can tell an unchanged rule set by reference and store it only when it changes
   */
  readonly rules: readonly unknown[];
}

/**
 * How a processor saves and rebuilds a partition's engine. Kept this small so the processor does not
 * depend on how the engine lays out its state.
 */
export interface EngineCheckpoints {
  /** null = unsupported */
  capture(engine: MarketEngine): EngineCapture | null;
  /**
   * An engine whose future outputs equal those of the engine `state` and `rules` were captured from;
   * `rules` null: `state` holds them itself (a full engine snapshot, as version-1 checkpoints stored it).
   */
  restore(
    config: EngineConfigInput,
    output: EngineOutput,
    state: unknown,
    rules: readonly unknown[] | null,
  ): MarketEngine;
}

/**
 * For engines without snapshots: nothing is captured, so a new owner rebuilds the partition's state by
 * replaying it (silently) from the start of the log. Correct, but restart time grows with history.
 */
export const replayOnlyCheckpoints: EngineCheckpoints = {
  capture: () => null,
  restore: (config, output) => new MarketEngine(config, output),
};

/** MarketEngine's own snapshots (engine-snapshot.ts): a restart re-processes only the records since. */
export const marketEngineCheckpoints: EngineCheckpoints = {
  capture: (engine) => detachRules(engine.snapshot()),
  restore: (config, output, state, rules) =>
    MarketEngine.restore(
      config,
      output,
      parseEngineSnapshot(rules === null ? state : attachRules(state, rules)),
    ),
};
