import { z } from 'zod';
import { NexuralError } from '../../schemas/errors.js';
import { Adx } from './adx.js';
import { Atr } from './atr.js';
import { Bbands } from './bbands.js';
import { Cci } from './cci.js';
import { Dema } from './dema.js';
import { Donchian } from './donchian.js';
import { Ema } from './ema.js';
import { type Indicator, SINGLE_OUTPUT } from './indicator.js';
import { Keltner } from './keltner.js';
import { Macd } from './macd.js';
import { Mfi } from './mfi.js';
import { Natr } from './natr.js';
import { Obv } from './obv.js';
import { Roc } from './roc.js';
import { Rsi } from './rsi.js';
import { Sma } from './sma.js';
import { Stoch } from './stoch.js';
import { StochRsi } from './stoch-rsi.js';
import { Tema } from './tema.js';
import { Vwap } from './vwap.js';
import { Willr } from './willr.js';
import { Wma } from './wma.js';

type ParamValue = number | string;

export interface IndicatorDefinition {
  readonly summary: string;
  /** Positional parameters: a zod tuple whose items carry defaults and a `name: meaning` description. */
  readonly params: z.ZodTuple;
  readonly outputs: readonly string[];
  /** Builds the indicator from raw positional values (validated here; defaults fill what is missing). */
  create(params: readonly ParamValue[]): Indicator;
}

function define<S extends z.ZodTuple>(
  summary: string,
  params: S,
  outputs: readonly string[],
  create: (params: z.output<S>) => Indicator,
): IndicatorDefinition {
  return { summary, params, outputs, create: (raw) => create(params.parse(raw)) };
}

/** A whole-number parameter, bounded like TA-Lib's (periods up to 100,000). */
const whole = (name: string, meaning: string, fallback: number, min: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be ≥ ${min}` })
    .max(100_000, { error: 'must be ≤ 100000' })
    .default(fallback)
    .describe(`${name}: ${meaning} (default ${fallback})`);

const period = (fallback: number, min = 2) => whole('period', 'bars in the window', fallback, min);

const positive = (name: string, meaning: string, fallback: number) =>
  z
    .number({ error: 'must be a number' })
    .positive({ error: 'must be > 0' })
    .max(1_000, { error: 'must be ≤ 1000' })
    .default(fallback)
    .describe(`${name}: ${meaning} (default ${fallback})`);

const ANCHOR_UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const anchorPattern = /^([1-9]\d*)([mhdw])$/;
const anchor = z
  .union([z.literal(0), z.string().regex(anchorPattern)], {
    error: 'must be 0 (never reset) or a duration like 30m, 4h, 1d, 1w',
  })
  .default('1d')
  .describe(
    'anchor: session length; sessions are UTC-aligned, weeks start Monday; 0 = never reset (default 1d)',
  );

function anchorMs(value: 0 | string): number {
  const match = typeof value === 'string' ? anchorPattern.exec(value) : null;
  return match ? Number(match[1]) * ANCHOR_UNIT_MS[match[2] as keyof typeof ANCHOR_UNIT_MS] : 0;
}

const macdParams = z
  .tuple([
    whole('fast', 'fast EMA period', 12, 2),
    whole('slow', 'slow EMA period', 26, 2),
    whole('signal', 'signal EMA period', 9, 1),
  ])
  .refine(([fast, slow]) => fast < slow, { error: 'must be shorter than slow', path: [0] });

const bbandsParams = z.tuple([period(5), positive('deviations', 'standard deviations from the middle', 2)]);
const stochParams = z.tuple([
  whole('fastK', 'bars for fast %K', 5, 1),
  whole('slowK', 'SMA of fast %K', 3, 1),
  whole('slowD', 'SMA of %K', 3, 1),
]);
const stochRsiParams = z.tuple([
  period(14),
  whole('fastK', 'RSI values for %K', 5, 1),
  whole('fastD', 'SMA of %K', 3, 1),
]);
const keltnerParams = z.tuple([
  period(20),
  positive('multiplier', 'ATRs from the middle', 2),
  whole('atrPeriod', 'ATR period', 10, 1),
]);
const one = SINGLE_OUTPUT;

/** Every indicator, one line each: summary, parameters (defaults are TA-Lib's where TA-Lib has it), outputs, create. */
export const indicatorRegistry = {
  sma: define('simple moving average', z.tuple([period(30)]), one, ([n]) => new Sma(n)),
  ema: define('exponential moving average', z.tuple([period(30)]), one, ([n]) => new Ema(n)),
  wma: define('weighted moving average', z.tuple([period(30)]), one, ([n]) => new Wma(n)),
  dema: define('double EMA', z.tuple([period(30)]), one, ([n]) => new Dema(n)),
  tema: define('triple EMA', z.tuple([period(30)]), one, ([n]) => new Tema(n)),
  rsi: define('relative strength index', z.tuple([period(14)]), one, ([n]) => new Rsi(n)),
  macd: define('MACD', macdParams, Macd.outputNames, ([fast, slow, signal]) => new Macd(fast, slow, signal)),
  bbands: define('Bollinger Bands', bbandsParams, Bbands.outputNames, ([n, k]) => new Bbands(n, k)),
  atr: define('average true range', z.tuple([period(14, 1)]), one, ([n]) => new Atr(n)),
  natr: define('normalised ATR, % of close', z.tuple([period(14, 1)]), one, ([n]) => new Natr(n)),
  stoch: define('slow stochastic', stochParams, Stoch.outputNames, ([k, sk, sd]) => new Stoch(k, sk, sd)),
  stochrsi: define('Stoch RSI', stochRsiParams, StochRsi.outputNames, ([n, k, d]) => new StochRsi(n, k, d)),
  cci: define('commodity channel index', z.tuple([period(14)]), one, ([n]) => new Cci(n)),
  adx: define('average directional index', z.tuple([period(14)]), Adx.outputNames, ([n]) => new Adx(n)),
  mfi: define('money flow index', z.tuple([period(14)]), one, ([n]) => new Mfi(n)),
  obv: define('on-balance volume', z.tuple([]), one, () => new Obv()),
  roc: define('rate of change, %', z.tuple([period(10, 1)]), one, ([n]) => new Roc(n)),
  willr: define('Williams %R', z.tuple([period(14)]), one, ([n]) => new Willr(n)),
  vwap: define('session VWAP', z.tuple([anchor]), one, ([a]) => new Vwap(anchorMs(a))),
  donchian: define('Donchian', z.tuple([period(20, 1)]), Donchian.outputNames, ([n]) => new Donchian(n)),
  keltner: define('Keltner channel', keltnerParams, Keltner.outputNames, ([n, m, a]) => new Keltner(n, m, a)),
} as const satisfies Record<string, IndicatorDefinition>;

export type IndicatorName = keyof typeof indicatorRegistry;
export const indicatorNames = Object.keys(indicatorRegistry) as IndicatorName[];

export interface ParsedIndicatorSpec {
  readonly name: IndicatorName;
  /** Every parameter, defaults filled in. */
  readonly params: readonly ParamValue[];
  /** Canonical spec: `rsi` → `rsi(14)`, `macd( 12, 26 )` → `macd(12,26,9)`. */
  readonly spec: string;
  readonly outputs: readonly string[];
}

const specPattern = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\(([^()]*)\))?\s*$/;
const numberPattern = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

const isIndicatorName = (name: string): name is IndicatorName => Object.hasOwn(indicatorRegistry, name);

/** Parses `rsi`, `rsi(14)`, `macd(12,26,9)`, `vwap(1h)`; throws NXR_UNKNOWN_INDICATOR / NXR_INDICATOR_PARAMS. */
export function parseIndicatorSpec(text: string): ParsedIndicatorSpec {
  const match = specPattern.exec(text);
  if (!match) {
    throw new NexuralError(
      'NXR_INDICATOR_PARAMS',
      `indicator spec "${text}" is not like rsi, rsi(14) or macd(12,26,9)`,
      { spec: text },
    );
  }
  const name = (match[1] ?? '').toLowerCase();
  if (!isIndicatorName(name)) {
    throw new NexuralError(
      'NXR_UNKNOWN_INDICATOR',
      `unknown indicator "${name}"; known: ${indicatorNames.join(', ')}`,
      { spec: text, name },
    );
  }
  const definition: IndicatorDefinition = indicatorRegistry[name];
  const items = definition.params.def.items;
  const argsText = (match[2] ?? '').trim();
  const raw = argsText === '' ? [] : argsText.split(',').map((arg) => arg.trim());
  const paramName = (index: number) => {
    const item = items[index];
    const description = item ? z.globalRegistry.get(item)?.description : undefined;
    return description?.split(':')[0] ?? `parameter ${index + 1}`;
  };
  const fail = (reason: string) =>
    new NexuralError('NXR_INDICATOR_PARAMS', `${text}: ${reason}`, { spec: text, name });
  if (raw.length > items.length) {
    const names = items.map((_, i) => paramName(i)).join(', ');
    throw fail(
      `${name} takes ${items.length === 0 ? 'no parameters' : `at most ${items.length} (${names})`}, got ${raw.length}`,
    );
  }
  const emptyAt = raw.indexOf('');
  if (emptyAt >= 0) throw fail(`${paramName(emptyAt)} is empty`);
  const values = raw.map((arg) => (numberPattern.test(arg) ? Number(arg) : arg));
  const parsed = definition.params.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const index = typeof issue?.path[0] === 'number' ? issue.path[0] : 0;
    const got = raw[index] === undefined ? '' : ` (got ${raw[index]})`;
    throw fail(`${paramName(index)} ${issue?.message ?? 'is invalid'}${got}`);
  }
  const params = parsed.data as ParamValue[];
  const spec = params.length === 0 ? name : `${name}(${params.join(',')})`;
  return { name, params, spec, outputs: definition.outputs };
}

/** A fresh indicator for a spec string (or an already parsed spec). */
export function createIndicator(spec: string | ParsedIndicatorSpec): Indicator {
  const parsed = typeof spec === 'string' ? parseIndicatorSpec(spec) : spec;
  const definition: IndicatorDefinition = indicatorRegistry[parsed.name];
  return definition.create(parsed.params);
}
