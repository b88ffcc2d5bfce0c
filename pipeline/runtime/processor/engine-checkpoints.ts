import type { EngineConfigInput } from '../../engine/engine-config.js';
import type { EngineOutput } from '../../engine/engine-output.js';
import { parseEngineSnapshot } from '../../engine/engine-snapshot.js';
import { MarketEngine } from '../../engine/market-engine.js';

/**
 * How a processor saves and rebuilds a partition's engine. Kept this small so the processor does not
 * depend on how the engine lays out its state.
 */
export interface EngineCheckpoints {
  /** A structured-clone-able value holding everything that decides the engine's future outputs; null = unsupported. */
  capture(engine: MarketEngine): unknown;
  /** An engine whose future outputs equal those of the engine `snapshot` was captured from. */
  restore(config: EngineConfigInput, output: EngineOutput, snapshot: unknown): MarketEngine;
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
  capture: (engine) => engine.snapshot(),
  restore: (config, output, snapshot) => MarketEngine.restore(config, output, parseEngineSnapshot(snapshot)),
};
