import type { Bar } from '../../schemas/bar.js';
import type { BarSink, LateTick } from './bar-options.js';

/** Everything a sink received, as immutable copies in emission order. */
export interface BarRecording {
  readonly sink: BarSink;
  readonly bars: Bar[];
  readonly late: LateTick[];
  /** final bars only (revised finals included) */
  finals(): Bar[];
}

/** A sink that records what it receives (tests, small tools). */
export function recordingSink(): BarRecording {
  const bars: Bar[] = [];
  const late: LateTick[] = [];
  return {
    sink: {
      bar: (bar) => bars.push(bar.toBar()),
      late: (tick) => late.push(tick),
    },
    bars,
    late,
    finals: () => bars.filter((bar) => bar.final),
  };
}
