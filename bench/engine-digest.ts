import { createHash, type Hash } from 'node:crypto';
import type { LateTick } from '../pipeline/bars/bar-options.js';
import type { BarView } from '../pipeline/bars/bar-state.js';
import type { EngineSnapshot } from '../pipeline/engine/engine-snapshot.js';
import type { AlertEvent } from '../schemas/alert-event.js';
import type { IndicatorValue } from '../schemas/indicator-value.js';

/** A number as text that tells NaN, ±∞ and −0 apart (JSON would write null or 0). */
const exact = (value: number): string => (Object.is(value, -0) ? '-0' : String(value));

const replacer = (_key: string, value: unknown): unknown => {
  if (typeof value === 'number')
    return Number.isFinite(value) && !Object.is(value, -0) ? value : `#${exact(value)}`;
  if (value instanceof Float64Array) return { f64: Array.from(value) };
  if (value instanceof Map) return { map: [...value] };
  if (value instanceof Set) return { set: [...value] };
  return value;
};

/**
 * SHA-256 of everything an engine emits, per kind and in order (bars with every field a sink can read,
 * indicator values and alert events as JSON with their key order, late ticks), and of its encoded snapshots:
 * two versions of the engine are compared by one printed line (`bench:engine --digest`).
 */
export class EngineDigest {
  private readonly bars = createHash('sha256');
  private readonly indicators = createHash('sha256');
  private readonly alerts = createHash('sha256');
  private readonly late = createHash('sha256');
  private readonly snapshots: string[] = [];

  bar(view: BarView): void {
    this.bars.update(
      `${view.venue}|${view.symbol}|${view.interval}|${exact(view.openTime)}|${exact(view.closeTime)}|${exact(view.open)}|${exact(view.high)}|${exact(view.low)}|${exact(view.close)}|${exact(view.volume)}|${exact(view.quoteVolume)}|${view.trades}|${exact(view.takerBuyVolume)}|${view.final}|${view.revision}|${view.jumpedFrom}|${view.seq}\n`,
    );
  }

  indicator(value: IndicatorValue): void {
    this.indicators.update(`${JSON.stringify(value, replacer)}\n`);
  }

  alert(event: AlertEvent): void {
    this.alerts.update(`${JSON.stringify(event, replacer)}\n`);
  }

  lateTick(late: LateTick): void {
    this.late.update(`${JSON.stringify(late, replacer)}\n`);
  }

  /**
   * An engine snapshot, as canonical JSON: its v8 encoding is not (a number field may be written as an
   * integer or as a double depending on how V8 happened to store it).
   */
  snapshot(snapshot: EngineSnapshot): void {
    const text = JSON.stringify(snapshot, replacer);
    this.snapshots.push(createHash('sha256').update(text).digest('hex').slice(0, 16));
  }

  /** One line per kind, then one over them all (digests are final: call once). */
  lines(): string[] {
    const parts: [string, Hash | string][] = [
      ['bars', this.bars],
      ['indicators', this.indicators],
      ['alerts', this.alerts],
      ['late', this.late],
      ['snapshots', this.snapshots.join(',') || '-'],
    ];
    const texts = parts.map(
      ([name, hash]) => `${name} ${typeof hash === 'string' ? hash : hash.digest('hex').slice(0, 16)}`,
    );
    const all = createHash('sha256').update(texts.join('\n')).digest('hex').slice(0, 16);
    return [...texts, `all ${all}`];
  }
}
