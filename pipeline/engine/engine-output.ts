import type { AlertEvent } from '../../schemas/alert-event.js';
import type { SourcePosition } from '../../schemas/dead-letter.js';
import type { IndicatorValue } from '../../schemas/indicator-value.js';
import type { LateTick } from '../bars/bar-options.js';
import type { BarView } from '../bars/bar-state.js';

/**
 * Where a MarketEngine's results go, synchronously and in a deterministic order. `bar` receives a view that
 * is only valid during the call (`toBar()` for an immutable copy), so a consumer that only counts pays nothing.
 */
export interface EngineOutput {
  bar(bar: BarView, position: SourcePosition | null): void;
  indicator(value: IndicatorValue, position: SourcePosition | null): void;
  alert(event: AlertEvent): void;
  late(late: LateTick, position: SourcePosition | null): void;
}
