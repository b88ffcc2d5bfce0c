import type { AlertEvent } from '../../../schemas/alert-event.js';
import type { Bar } from '../../../schemas/bar.js';
import type { DeadLetter, SourcePosition } from '../../../schemas/dead-letter.js';
import type { IndicatorValue } from '../../../schemas/indicator-value.js';
import type { TopicPartition } from '../../../schemas/ports/stream-log.js';
import type { LateTick } from '../../bars/bar-options.js';
import type { BarView } from '../../bars/bar-state.js';
import type { EngineOutput } from '../../engine/engine-output.js';
import type { BatchInput } from './batch-input.js';

/** An output value and the event time (ms) that caused it: its record timestamp downstream. */
export interface Timed<T> {
  readonly value: T;
  readonly at: number;
}

/** What one batch of a partition produced, in engine order per kind. */
export interface BatchOutputs {
  readonly bars: Timed<Bar>[];
  readonly indicators: Timed<IndicatorValue>[];
  readonly alerts: AlertEvent[];
  readonly deadLetters: Timed<DeadLetter>[];
}

export const emptyOutputs = (): BatchOutputs => ({ bars: [], indicators: [], alerts: [], deadLetters: [] });

/**
 * The engine's output for one partition. It stamps each value with the event time of its cause (the tick
 * being added, or the watermark being advanced), never the wall clock, so a re-run writes the same records.
 * While `silent`, only alerts are kept (a restarted processor re-publishes them to the fan-out, which
 * drops the ones it already has); everything else was committed before the restart.
 */
export class OutputCollector implements EngineOutput {
  silent = false;
  private causeMs = 0;
  /** the input record of the cause (`causeIndex` of `causeInput`), null for a watermark advance */
  private causeInput: BatchInput | null = null;
  private causeIndex = 0;
  /** the cause's offset once its input was let go of (`releaseInput`); '' for a watermark advance */
  private releasedOffset = '';
  private outputs: BatchOutputs = emptyOutputs();
  /**
   * The position of the cause's record as the engine gets it: one object whose offset is read from the
   * cause. The engine only hands positions on to its outputs, and what this collector keeps gets a plain
   * copy, so an offset string is made for the few records an alert or a late tick comes from, not for each.
   */
  readonly causePosition: SourcePosition;

  constructor(private readonly source: TopicPartition) {
    this.causePosition = new CausePosition(source, this);
  }

  /** The next engine call is caused by record `index` of `input` (null: none) at event time `ms`. */
  cause(ms: number, input: BatchInput | null, index: number): void {
    this.causeMs = ms;
    this.causeInput = input;
    this.causeIndex = index;
    this.releasedOffset = '';
  }

  /**
   * The caller is done with the cause's input (its batch may be refilled, see `RecordColumnsView`): keeps
   * the cause's offset, which outputs made before the next cause still cite (a rule change's pending bars),
   * and lets go of the batch.
   */
  releaseInput(): void {
    if (this.causeInput === null) return;
    this.releasedOffset = this.causeInput.offset(this.causeIndex);
    this.causeInput = null;
  }

  /** The offset of the cause's record ('' for a watermark advance, which has no record). */
  causeOffset(): string {
    return this.causeInput === null ? this.releasedOffset : this.causeInput.offset(this.causeIndex);
  }

  /** `position` as an output keeps it: the cause's position written out. */
  private kept(position: SourcePosition | null): SourcePosition | null {
    if (position !== this.causePosition) return position;
    const { topic, partition } = this.source;
    return { topic, partition, offset: this.causeOffset() };
  }

  /** The alerts collected since the last take, from the `from`-th on (still handed over by the take). */
  alertsFrom(from: number): readonly AlertEvent[] {
    const alerts = this.outputs.alerts;
    return from >= alerts.length ? [] : alerts.slice(from);
  }

  /** Hands over what was collected since the last take. */
  take(): BatchOutputs {
    const taken = this.outputs;
    this.outputs = emptyOutputs();
    return taken;
  }

  deadLetter(deadLetter: DeadLetter, at: number): void {
    if (!this.silent) this.outputs.deadLetters.push({ value: deadLetter, at });
  }

  bar(bar: BarView, _position: SourcePosition | null): void {
    if (!this.silent) this.outputs.bars.push({ value: bar.toBar(), at: this.causeMs });
  }

  indicator(value: IndicatorValue, _position: SourcePosition | null): void {
    if (!this.silent) this.outputs.indicators.push({ value, at: this.causeMs });
  }

  alert(event: AlertEvent): void {
    if (event.kind === 'fired' && event.sourcePosition === this.causePosition) {
      this.outputs.alerts.push(Object.freeze({ ...event, sourcePosition: this.kept(event.sourcePosition) }));
    } else this.outputs.alerts.push(event);
  }

  /** A tick too late for one of its bars: refused for that interval, with the record it came from. */
  late(late: LateTick, position: SourcePosition | null): void {
    if (this.silent) return;
    const record = this.causeInput?.record(this.causeIndex) ?? null;
    const payload = record?.value ?? null;
    this.outputs.deadLetters.push({
      at: record?.timestamp ?? this.causeMs,
      value: {
        code: late.code,
        reason: `${late.interval} bar: ${late.reason}`,
        path: ['time'],
        payload: payload === null ? JSON.stringify(late.tick) : payload.toString('utf8'),
        payloadEncoding: 'utf8',
        key: record?.key ?? null,
        source: this.kept(position),
        failedAt: record?.timestamp ?? this.causeMs,
      },
    });
  }
}

/** `OutputCollector.causePosition`: the record the collector's cause names, read when asked. */
class CausePosition implements SourcePosition {
  readonly topic: string;
  readonly partition: number;

  constructor(
    source: TopicPartition,
    private readonly collector: OutputCollector,
  ) {
    this.topic = source.topic;
    this.partition = source.partition;
  }

  get offset(): string {
    return this.collector.causeOffset();
  }
}
