/**
 * bench:kafka's latency rows: a probe's way to its alert in stages, from the bench's own process (the
 * processor, its fan-out and the subscriber share it). `fanout.publish` is wrapped, so each probe alert has
 *  - handed: epochMs the processor handed it to the fan-out (producer linger, broker append, fetch, engine,
 *    and the processor's fan-out queue: a batch's publishes wait for the previous batch's replies);
 *  - replied: epochMs Redis answered the publish script (the round trip, and this loop's turn to read it);
 *  - arrived (the bench's): epochMs the subscriber's listener ran (Redis pub/sub back to this process).
 */
import type { AlertEvent } from '../schemas/alert-event.js';
import type { AlertFanout } from '../schemas/ports/alert-fanout.js';
import { epochMs } from './kafka-ticks.js';

export type FanoutStages = {
  readonly handedAt: Map<string, number>;
  readonly repliedAt: Map<string, number>;
};

/** Wraps `fanout.publish` (the processor calls it on the same object) to time `owner`'s fired alerts. */
export function watchFanoutStages(fanout: AlertFanout, owner: string): FanoutStages {
  const handedAt = new Map<string, number>();
  const repliedAt = new Map<string, number>();
  const publish = fanout.publish.bind(fanout);
  const timed = async (event: AlertEvent) => {
    const probe = event.kind === 'fired' && event.owner === owner ? event.ruleId : undefined;
    if (probe !== undefined && !handedAt.has(probe)) handedAt.set(probe, epochMs());
    const delivery = await publish(event);
    if (probe !== undefined && !repliedAt.has(probe)) repliedAt.set(probe, epochMs());
    return delivery;
  };
  Object.assign(fanout, { publish: timed });
  return { handedAt, repliedAt };
}

type ProbeTimes = {
  readonly sentAt: ReadonlyMap<string, number>;
  readonly arrivedAt: ReadonlyMap<string, number>;
  /** alert rule id → the probe (rule) whose tick fired it */
  readonly probeOf: ReadonlyMap<string, string>;
  /** epochMs: probes sent from then on count (after the warm-up) */
  readonly warmFrom: number;
};

const at = (sorted: readonly number[], q: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);

/**
 * A table of the stages' p50 / p99 / max over the warm probes, and the same stages' medians over the slow
 * ones (total > 10 ms): which stage the tail is in.
 */
export function describeStages(stages: FanoutStages, times: ProbeTimes): string {
  const rows: { total: number; toHanded: number; toReply: number; toArrival: number }[] = [];
  for (const [id, arrival] of times.arrivedAt) {
    const sent = times.sentAt.get(times.probeOf.get(id) ?? '');
    const handed = stages.handedAt.get(id);
    const replied = stages.repliedAt.get(id);
    if (sent === undefined || handed === undefined || replied === undefined || sent < times.warmFrom)
      continue;
    rows.push({
      total: arrival - sent,
      toHanded: handed - sent,
      toReply: replied - handed,
      toArrival: arrival - handed,
    });
  }
  const slow = rows.filter((row) => row.total > 10);
  const column = (of: typeof rows, pick: (row: (typeof rows)[number]) => number) =>
    of.map(pick).sort((a, b) => a - b);
  const line = (name: string, pick: (row: (typeof rows)[number]) => number) => {
    const all = column(rows, pick);
    const slowOnes = column(slow, pick);
    const ms = (value: number) => (Number.isNaN(value) ? '–' : value.toFixed(1));
    return `  ${name.padEnd(44)} ${[at(all, 0.5), at(all, 0.99), all.at(-1) ?? Number.NaN, at(slowOnes, 0.5)]
      .map((value) => ms(value).padStart(8))
      .join('')}`;
  };
  return [
    `probe stages, ${rows.length} warm probes (${slow.length} over 10 ms): p50, p99, max, slow ones' p50 (ms)`,
    line('sent → handed to the fan-out (via the processor)', (row) => row.toHanded),
    line('handed → Redis replied to the publish', (row) => row.toReply),
    line('handed → subscriber received', (row) => row.toArrival),
    line('total', (row) => row.total),
  ].join('\n');
}
