import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import type { EngineConfigInput } from '../../pipeline/engine/engine-config.js';
import { MarketEngine } from '../../pipeline/engine/market-engine.js';
import { ingestFormats } from '../../pipeline/ingest/file-ingest.js';
import { readNdjsonTrades } from '../../pipeline/ingest/ndjson-trades.js';
import {
  readTradeFileLines,
  symbolFromFileName,
  type TradeLine,
} from '../../pipeline/readers/read-trades.js';
import type { AlertEvent } from '../../schemas/alert-event.js';
import { type AlertRule, alertRuleSchema } from '../../schemas/alert-rule.js';
import { isNexuralError, NexuralError } from '../../schemas/errors.js';
import { intervalSchema } from '../../schemas/interval.js';
import { symbolSchema, venueSchema } from '../../schemas/market.js';
import { parseCommandOptions } from '../option-problems.js';

const alertsOptionsSchema = z.object({
  trades: z.string().min(1).describe('trades file'),
  format: z.enum(ingestFormats).describe('trades file format'),
  rules: z.string().min(1).describe('JSON file holding an array of alert rules'),
  interval: z.array(intervalSchema).default([]).describe('extra bar intervals besides the rules’ own'),
  venue: venueSchema.default('binance'),
  symbol: symbolSchema.optional().describe('symbol of the trades; default: from a Binance file name'),
  firstBar: z
    .enum(['skip', 'keep'])
    .default('skip')
    .describe(
      'the first time bar of each interval: skip (as the pipeline does: it may start mid-bar) or keep',
    ),
});

export type AlertsOptions = z.input<typeof alertsOptionsSchema>;

export interface AlertsRun {
  readonly ticks: number;
  readonly rules: number;
  readonly fired: number;
  readonly stopped: number;
  readonly intervals: readonly string[];
}

/**
 * The engine config `nexural alerts` runs: bars of every interval the rules name (plus `extra`); the first
 * (maybe partial) time bar is skipped as the pipeline does unless `keep`. Exported for tests.
 */
export function alertsEngineConfig(
  rules: readonly AlertRule[],
  extra: readonly string[] = [],
  firstBar: 'skip' | 'keep' = 'skip',
): EngineConfigInput {
  const intervals = [...new Set([...rules.map((rule) => rule.interval), ...extra])];
  return { bars: { intervals, firstBar }, indicators: [], liveBarThrottleMs: -1 };
}

const rulesFileSchema = z.array(z.unknown()).min(1, { error: 'give at least one rule' });

/**
 * Reads and validates a rules file: a JSON array of rules. A bad rule stops everything naming its index
 * and path (`rules.json: rule 1 (btc-up) at condition.value: …`) — a backtest over half the rules misleads.
 */
export async function readRulesFile(file: string): Promise<AlertRule[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new NexuralError('NXR_FILE_INVALID', `${file}: cannot read (${(error as Error).message})`, {
      file,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new NexuralError('NXR_FILE_INVALID', `${file}: not JSON (${(error as Error).message})`, { file });
  }
  const list = rulesFileSchema.safeParse(json);
  if (!list.success) {
    throw new NexuralError('NXR_RULE_INVALID', `${file}: expected a JSON array of rules`, { file, path: [] });
  }
  const validator = new MarketEngine({ bars: { intervals: ['1m'] } }, ignoreOutput);
  return list.data.map((input, index) => {
    const name = ruleName(input, index);
    const parsed = alertRuleSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.map((part) => (typeof part === 'symbol' ? String(part) : part)) ?? [];
      throw new NexuralError(
        'NXR_RULE_INVALID',
        `${file}: ${name} at ${path.join('.') || '(rule)'}: ${issue?.message ?? 'invalid'}`,
        { file, index, path },
      );
    }
    try {
      // the engine's own checks (indicator spec and output names) and its canonical form (`rsi` → `rsi(14)`)
      return validator.upsertRule(parsed.data);
    } catch (error) {
      if (!isNexuralError(error)) throw error;
      throw new NexuralError('NXR_RULE_INVALID', `${file}: ${name}: ${error.message}`, {
        file,
        index,
        path: error.details.path ?? [],
      });
    }
  });
}

const ruleName = (input: unknown, index: number): string => {
  const id = typeof input === 'object' && input !== null ? (input as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? `rule ${index} (${id})` : `rule ${index}`;
};

const ignoreOutput = { bar() {}, indicator() {}, alert() {}, late() {} };

/**
 * Runs alert rules over a recorded trades file through MarketEngine — the code the live processor runs —
 * and writes every alert event as one JSON line, as the alerts topic carries it. The engine is driven the
 * way a processor partition drives it: each trade, then the event-time clock advanced a whole second at a
 * time; at the end of the file every open bar is finalised (a file is complete history), so bar-close
 * rules see the last bar too. `sourcePosition` names the file and the trade's line (`offset`).
 */
export async function runAlerts(options: AlertsOptions, output: Writable): Promise<AlertsRun> {
  const valid = parseCommandOptions(alertsOptionsSchema, options);
  const { trades: file, format, venue, interval: extra } = valid;
  const rules = await readRulesFile(valid.rules);
  const config = alertsEngineConfig(rules, extra, valid.firstBar);
  let fired = 0;
  let stopped = 0;
  let pending: string[] = [];
  const engine = new MarketEngine(
    config,
    {
      ...ignoreOutput,
      alert: (event: AlertEvent) => {
        if (event.kind === 'fired') fired++;
        else stopped++;
        pending.push(JSON.stringify(event));
      },
    },
    rules,
  );
  const flushLines = async () => {
    if (pending.length === 0) return;
    const chunk = `${pending.join('\n')}\n`;
    pending = [];
    if (!output.write(chunk)) await new Promise((resolve) => output.once('drain', resolve));
  };
  let ticks = 0;
  let advancedToMs = Number.NEGATIVE_INFINITY;
  const symbol =
    valid.symbol ?? (format === 'csv' || format === 'ndjson' ? undefined : symbolFromFileName(file));
  for await (const { tick, line } of tradesOf(file, format, venue, symbol)) {
    ticks++;
    // provenance as the schema defines it for files: the file as topic, partition 0, the line as offset
    const position = { topic: file, partition: 0, offset: String(line) };
    engine.add(tick, position);
    const ms = (tick.timeUs - (tick.timeUs % 1000)) / 1000;
    const second = ms - (ms % 1000);
    if (second > advancedToMs) {
      advancedToMs = second;
      engine.advanceWatermark(second, position);
    }
    if (pending.length >= 256) await flushLines();
  }
  engine.flush();
  await flushLines();
  return { ticks, rules: rules.length, fired, stopped, intervals: config.bars.intervals };
}

async function* tradesOf(
  file: string,
  format: (typeof ingestFormats)[number],
  venue: string,
  symbol: string | undefined,
): AsyncGenerator<TradeLine> {
  if (format === 'ndjson') {
    for await (const { tick, line } of readNdjsonTrades(file)) {
      if (symbol === undefined || tick.symbol === symbol) yield { tick, line };
    }
    return;
  }
  yield* readTradeFileLines(file, { format, venue, symbol });
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerAlertsCommand(program: Command): void {
  program
    .command('alerts')
    .description(
      'run alert rules over a recorded trades file through the live engine; prints every alert as one JSON line',
    )
    .requiredOption('--trades <file>', 'trades file')
    .requiredOption('--format <format>', `file format: ${ingestFormats.join(', ')}`)
    .requiredOption('--rules <file>', 'JSON array of alert rules')
    .option(
      '--interval <interval>',
      'extra bar interval, repeatable (the rules’ intervals are always built)',
      collect,
      [],
    )
    .option('--venue <venue>', 'venue of the trades (ndjson lines name their own)', 'binance')
    .option(
      '--symbol <symbol>',
      'symbol of the trades (default: from a Binance file name); csv/ndjson: keep only it',
    )
    .option(
      '--first-bar <policy>',
      'first time bar of each interval: skip (as the pipeline does) or keep (the file starts on a bar boundary)',
      'skip',
    )
    .action(async (options: AlertsOptions) => {
      const run = await runAlerts(options, process.stdout);
      process.stderr.write(
        `nexural alerts: ${run.ticks} trades, ${run.rules} rules on ${run.intervals.join(' ')} → ${run.fired} fired, ${run.stopped} stopped\n`,
      );
    });
}
