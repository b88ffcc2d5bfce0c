import { NexuralError } from '../../../schemas/errors.js';
import { indicatorSpecSchema } from '../../../schemas/indicator-value.js';
import { intervalSchema } from '../../../schemas/interval.js';
import type { BotDeps, BotReply, CommandRequest } from '../bot-types.js';
import { renderChartPng } from '../chart.js';
import { asOf, formatPrice, indicatorSeries, isoTime, recentBars, resolveSymbol } from '../market-data.js';

const stringOption = (request: CommandRequest, name: string, fallback?: string): string => {
  const value = request.options[name];
  if (typeof value === 'string' && value.length > 0) return value;
  if (fallback !== undefined) return fallback;
  throw new NexuralError('NXR_BAD_VALUE', `/${request.name}: option "${name}" is required`, { option: name });
};

const intervalOption = (request: CommandRequest): string => {
  const value = stringOption(request, 'interval', '1m');
  const parsed = intervalSchema.safeParse(value);
  if (!parsed.success)
    throw new NexuralError('NXR_BAD_VALUE', `unknown interval "${value}" (e.g. 1m, 5m, 1h)`);
  return parsed.data;
};

const countOption = (request: CommandRequest, fallback: number, max: number): number => {
  const value = request.options.count;
  return typeof value === 'number' ? Math.max(1, Math.min(max, Math.trunc(value))) : fallback;
};

export async function priceCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  const ref = await resolveSymbol(deps.store, stringOption(request, 'symbol'));
  const bar = await deps.store.latestBar({ ...ref, interval: '1m' });
  if (!bar)
    return {
      content: `No bars stored for ${ref.venue}:${ref.symbol} yet.`,
      embeds: [],
      files: [],
      ephemeral: false,
    };
  const change = bar.open === 0 ? 0 : ((bar.close - bar.open) / bar.open) * 100;
  return {
    content: '',
    embeds: [
      {
        title: `${ref.symbol} ${formatPrice(bar.close)}`,
        description: asOf(bar.closeTime, deps.clock.now(), deps.staleAfterMs),
        fields: [
          { name: 'venue', value: ref.venue, inline: true },
          { name: '1m open', value: formatPrice(bar.open), inline: true },
          { name: '1m change', value: `${change >= 0 ? '+' : ''}${change.toFixed(3)}%`, inline: true },
          {
            name: '1m high / low',
            value: `${formatPrice(bar.high)} / ${formatPrice(bar.low)}`,
            inline: true,
          },
          { name: '1m volume', value: formatPrice(bar.volume), inline: true },
          { name: 'bar', value: bar.final ? 'final' : `forming (rev ${bar.revision})`, inline: true },
        ],
        footer: `${ref.venue}:${ref.symbol} · last trade in the 1m bar opened ${isoTime(bar.openTime)}`,
        timestamp: bar.closeTime,
      },
    ],
    files: [],
    ephemeral: false,
  };
}

const barTable = (bars: Awaited<ReturnType<typeof recentBars>>): string => {
  const rows = bars.map(
    (bar) =>
      `${isoTime(bar.openTime).slice(5, 16)} ${formatPrice(bar.open).padStart(10)} ${formatPrice(bar.high).padStart(10)} ${formatPrice(bar.low).padStart(10)} ${formatPrice(bar.close).padStart(10)} ${formatPrice(bar.volume).padStart(12)}${bar.final ? '' : ' *'}`,
  );
  return [
    '```',
    `${'open time'.padEnd(11)} ${'open'.padStart(10)} ${'high'.padStart(10)} ${'low'.padStart(10)} ${'close'.padStart(10)} ${'volume'.padStart(12)}`,
    ...rows,
    '```',
  ].join('\n');
};

export async function barsCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  const ref = await resolveSymbol(deps.store, stringOption(request, 'symbol'));
  const interval = intervalOption(request);
  const bars = await recentBars(deps.store, ref, interval, countOption(request, 10, 50));
  const last = bars.at(-1);
  if (!last)
    return {
      content: `No ${interval} bars for ${ref.venue}:${ref.symbol}.`,
      embeds: [],
      files: [],
      ephemeral: false,
    };
  return {
    content: `**${ref.symbol} ${interval}** (${ref.venue}), ${asOf(last.closeTime, deps.clock.now(), deps.staleAfterMs)}\n${barTable(bars)}${last.final ? '' : '\n* forming bar'}`,
    embeds: [],
    files: [],
    ephemeral: false,
  };
}

export async function replayCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  const ref = await resolveSymbol(deps.store, stringOption(request, 'symbol'));
  const from = Date.parse(stringOption(request, 'from'));
  const to = Date.parse(stringOption(request, 'to'));
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
    throw new NexuralError(
      'NXR_BAD_VALUE',
      'from and to must be ISO times with from < to (e.g. 2024-08-08T23:55Z)',
    );
  }
  const interval = intervalOption(request);
  const page = await deps.store.bars({ ...ref, interval, from, to, limit: 50, finalOnly: true });
  if (page.items.length === 0) {
    return {
      content: `No final ${interval} bars for ${ref.symbol} in [${isoTime(from)}, ${isoTime(to)}).`,
      embeds: [],
      files: [],
      ephemeral: false,
    };
  }
  const more = page.nextCursor ? '\n(first 50 bars; narrow the range for the rest)' : '';
  return {
    content: `**${ref.symbol} ${interval}** as streamed, [${isoTime(from)}, ${isoTime(to)})\n${barTable(page.items)}${more}`,
    embeds: [],
    files: [],
    ephemeral: false,
  };
}

const specOption = (request: CommandRequest, name: string): string => {
  const spec = stringOption(request, name).trim().toLowerCase();
  const parsed = indicatorSpecSchema.safeParse(spec);
  if (!parsed.success)
    throw new NexuralError(
      'NXR_BAD_VALUE',
      `"${spec}" is not an indicator spec (e.g. rsi(14), macd(12,26,9))`,
    );
  return parsed.data;
};

export async function indicatorCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  const ref = await resolveSymbol(deps.store, stringOption(request, 'symbol'));
  const interval = intervalOption(request);
  const spec = specOption(request, 'spec');
  const page = await deps.store.indicatorValues({
    ...ref,
    interval,
    spec,
    from: 0,
    to: 7_258_118_400_000,
    limit: 1,
    order: 'desc',
  });
  const value = page.items[0];
  if (!value) {
    return {
      content: `No stored ${spec} on ${ref.symbol} ${interval}; the pipeline computes the specs it is configured with.`,
      embeds: [],
      files: [],
      ephemeral: false,
    };
  }
  const bar = await deps.store.latestBar({ ...ref, interval });
  const eventTime = bar && bar.openTime === value.openTime ? bar.closeTime : value.openTime;
  return {
    content: '',
    embeds: [
      {
        title: `${ref.symbol} ${interval} ${spec}`,
        description: asOf(eventTime, deps.clock.now(), deps.staleAfterMs),
        fields: Object.entries(value.outputs).map(([name, output]) => ({
          name,
          value: formatPrice(output),
          inline: true,
        })),
        footer: `bar opened ${isoTime(value.openTime)} · ${value.final ? 'final' : 'forming'} bar`,
        timestamp: eventTime,
      },
    ],
    files: [],
    ephemeral: false,
  };
}

export async function chartCommand(request: CommandRequest, deps: BotDeps): Promise<BotReply> {
  const ref = await resolveSymbol(deps.store, stringOption(request, 'symbol'));
  const interval = intervalOption(request);
  const bars = await recentBars(deps.store, ref, interval, countOption(request, 60, 300));
  const first = bars[0];
  const last = bars.at(-1);
  if (!first || !last)
    return { content: `No ${interval} bars for ${ref.symbol}.`, embeds: [], files: [], ephemeral: false };
  const specs = stringOption(request, 'indicators', '')
    .split(/\s*;\s*|\s+(?=[a-z])/)
    .map((spec) => spec.trim())
    .filter((spec) => spec.length > 0)
    .slice(0, 4);
  const overlays = [];
  for (const raw of specs) {
    const spec = specOption({ ...request, options: { spec: raw } }, 'spec');
    const values = await indicatorSeries(deps.store, ref, interval, spec, first.openTime, last.openTime + 1);
    const byTime = new Map(values.map((value) => [value.openTime, value.outputs]));
    const outputs = new Set(values.flatMap((value) => Object.keys(value.outputs)));
    for (const output of outputs) {
      if (output === 'hist' || output === 'signal' || output === 'macd') continue;
      overlays.push({
        name: output === 'value' ? spec : `${spec}.${output}`,
        values: bars.map((bar) => byTime.get(bar.openTime)?.[output] ?? null),
      });
    }
  }
  const name = `${ref.symbol}-${interval}.png`;
  const png = renderChartPng({ title: `${ref.symbol} ${interval} (${ref.venue})`, bars, overlays });
  return {
    content: '',
    embeds: [
      {
        title: `${ref.symbol} ${interval}: ${formatPrice(last.close)}`,
        description: `${bars.length} bars ${isoTime(first.openTime)} → ${isoTime(last.closeTime)}, ${asOf(last.closeTime, deps.clock.now(), deps.staleAfterMs)}`,
        fields:
          overlays.length > 0
            ? [{ name: 'indicators', value: overlays.map((overlay) => overlay.name).join(', ') }]
            : [],
        image: name,
        timestamp: last.closeTime,
      },
    ],
    files: [{ name, data: png }],
    ephemeral: false,
  };
}
