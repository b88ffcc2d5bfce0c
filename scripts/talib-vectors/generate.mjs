#!/usr/bin/env node
// Dev-only: writes pipeline/indicators/fixtures/talib-<name>.json from TA-Lib's own C code (bundled in the npm
// `talib` package, built locally; see README.md). TA-Lib is never a dependency of the project.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const talibDir = process.env.TALIB_DIR ?? process.argv[2];
if (!talibDir) {
  console.error('usage: TALIB_DIR=<tmp>/node_modules/talib node scripts/talib-vectors/generate.mjs');
  process.exit(2);
}
const talib = createRequire(join(talibDir, 'package.json'))(talibDir);
const talibNpmVersion = JSON.parse(readFileSync(join(talibDir, 'package.json'), 'utf8')).version;
const versionSource = readFileSync(join(talibDir, 'src/lib/src/ta_common/ta_version.c'), 'utf8');
const versionPart = (name) => new RegExp(`#define ${name} "([^"]*)"`).exec(versionSource)?.[1] ?? '?';
const extra = versionPart('EXTRA');
const taLibVersion = `${versionPart('MAJOR')}.${versionPart('MINOR')}.${versionPart('BUILD')}${extra ? `-${extra}` : ''}`;

const dataRoot = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const fixturesDir = fileURLToPath(new URL('../../pipeline/indicators/fixtures/', import.meta.url));

// Three real series: two BTC books, and XRP/ETH (prices ~0.0014, many zero-volume flat minutes) for edge paths.
const series = [
  { file: 'binanceus/binanceus_BTCUSDT_1m_20230301_20230321.csv', firstRow: 0, rows: 300 },
  { file: 'nautilus/ftx_BTC-PERP_1m_20211231-20220201.csv', firstRow: 0, rows: 300 },
  { file: 'binance_spot_XRPETH_ohlcv_1m_2019-10-11_2019-10-13.csv', firstRow: 1200, rows: 300 },
];

function readSeries({ file, firstRow, rows }) {
  const lines = readFileSync(join(dataRoot, file), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const column = (name) => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`${file}: no column ${name}`);
    return index;
  };
  const [o, h, l, c, v] = ['open', 'high', 'low', 'close', 'volume'].map(column);
  const picked = lines.slice(1 + firstRow, 1 + firstRow + rows).map((line) => line.split(',').map(Number));
  if (picked.length !== rows) throw new Error(`${file}: only ${picked.length} rows`);
  return {
    open: picked.map((r) => r[o]),
    high: picked.map((r) => r[h]),
    low: picked.map((r) => r[l]),
    close: picked.map((r) => r[c]),
    volume: picked.map((r) => r[v]),
  };
}

const close = (d) => ({ inReal: d.close });
const hlc = (d) => ({ high: d.high, low: d.low, close: d.close });
const hlcv = (d) => ({ high: d.high, low: d.low, close: d.close, volume: d.volume });
const obvInputs = (d) => ({ inReal: d.close, volume: d.volume });
const value = { value: 'outReal' };
const period = (n) => ({ optInTimePeriod: n });

/** name → cases: our spec string, then each TA-Lib call whose outputs map onto our output names. */
const indicators = {
  sma: [
    ['sma(30)', [['SMA', close, period(30), value]]],
    ['sma(20)', [['SMA', close, period(20), value]]],
  ],
  ema: [
    ['ema(30)', [['EMA', close, period(30), value]]],
    ['ema(9)', [['EMA', close, period(9), value]]],
  ],
  wma: [
    ['wma(30)', [['WMA', close, period(30), value]]],
    ['wma(10)', [['WMA', close, period(10), value]]],
  ],
  dema: [
    ['dema(30)', [['DEMA', close, period(30), value]]],
    ['dema(10)', [['DEMA', close, period(10), value]]],
  ],
  tema: [
    ['tema(30)', [['TEMA', close, period(30), value]]],
    ['tema(7)', [['TEMA', close, period(7), value]]],
  ],
  rsi: [
    ['rsi(14)', [['RSI', close, period(14), value]]],
    ['rsi(6)', [['RSI', close, period(6), value]]],
  ],
  macd: [
    [12, 26, 9],
    [5, 35, 5],
  ].map(([fast, slow, signal]) => [
    `macd(${fast},${slow},${signal})`,
    [
      [
        'MACD',
        close,
        { optInFastPeriod: fast, optInSlowPeriod: slow, optInSignalPeriod: signal },
        { macd: 'outMACD', signal: 'outMACDSignal', hist: 'outMACDHist' },
      ],
    ],
  ]),
  bbands: [
    [5, 2],
    [20, 2.5],
  ].map(([n, dev]) => [
    `bbands(${n},${dev})`,
    [
      [
        'BBANDS',
        close,
        { optInTimePeriod: n, optInNbDevUp: dev, optInNbDevDn: dev, optInMAType: 0 },
        { upper: 'outRealUpperBand', middle: 'outRealMiddleBand', lower: 'outRealLowerBand' },
      ],
    ],
  ]),
  atr: [
    ['atr(14)', [['ATR', hlc, period(14), value]]],
    ['atr(5)', [['ATR', hlc, period(5), value]]],
  ],
  natr: [
    ['natr(14)', [['NATR', hlc, period(14), value]]],
    ['natr(7)', [['NATR', hlc, period(7), value]]],
  ],
  stoch: [
    [5, 3, 3],
    [14, 3, 5],
  ].map(([k, slowK, slowD]) => [
    `stoch(${k},${slowK},${slowD})`,
    [
      [
        'STOCH',
        hlc,
        {
          optInFastK_Period: k,
          optInSlowK_Period: slowK,
          optInSlowK_MAType: 0,
          optInSlowD_Period: slowD,
          optInSlowD_MAType: 0,
        },
        { k: 'outSlowK', d: 'outSlowD' },
      ],
    ],
  ]),
  stochrsi: [
    [14, 5, 3],
    [21, 9, 4],
  ].map(([n, k, d]) => [
    `stochrsi(${n},${k},${d})`,
    [
      [
        'STOCHRSI',
        close,
        { optInTimePeriod: n, optInFastK_Period: k, optInFastD_Period: d, optInFastD_MAType: 0 },
        { k: 'outFastK', d: 'outFastD' },
      ],
    ],
  ]),
  cci: [
    ['cci(14)', [['CCI', hlc, period(14), value]]],
    ['cci(20)', [['CCI', hlc, period(20), value]]],
  ],
  adx: [14, 7].map((n) => [
    `adx(${n})`,
    [
      ['ADX', hlc, period(n), { adx: 'outReal' }],
      ['PLUS_DI', hlc, period(n), { plusDi: 'outReal' }],
      ['MINUS_DI', hlc, period(n), { minusDi: 'outReal' }],
    ],
  ]),
  mfi: [
    ['mfi(14)', [['MFI', hlcv, period(14), value]]],
    ['mfi(10)', [['MFI', hlcv, period(10), value]]],
  ],
  obv: [['obv', [['OBV', obvInputs, {}, value]]]],
  roc: [
    ['roc(10)', [['ROC', close, period(10), value]]],
    ['roc(3)', [['ROC', close, period(3), value]]],
  ],
  willr: [
    ['willr(14)', [['WILLR', hlc, period(14), value]]],
    ['willr(5)', [['WILLR', hlc, period(5), value]]],
  ],
};

const loaded = series.map((s) => ({ ...s, data: readSeries(s) }));
for (const [name, cases] of Object.entries(indicators)) {
  const fixtureCases = [];
  for (const s of loaded) {
    for (const [spec, calls] of cases) {
      const outputs = {};
      const talibCalls = [];
      let firstOutput = 0;
      for (const [fn, inputs, options, outputNames] of calls) {
        const n = s.rows;
        const response = talib.execute({
          name: fn,
          startIdx: 0,
          endIdx: n - 1,
          ...inputs(s.data),
          ...options,
        });
        if (response.error) throw new Error(`${fn}: ${response.error}`);
        talibCalls.push({ function: fn, options, begIndex: response.begIndex });
        firstOutput = Math.max(firstOutput, response.begIndex);
        for (const [ours, theirs] of Object.entries(outputNames)) {
          const values = response.result[theirs];
          if (!values) throw new Error(`${fn}: no output ${theirs}`);
          // Aligned to the input row: null before TA-Lib's first output.
          outputs[ours] = Array.from({ length: n }, (_, i) =>
            i < response.begIndex ? null : values[i - response.begIndex],
          );
        }
      }
      fixtureCases.push({
        spec,
        data: { file: s.file, firstRow: s.firstRow, rows: s.rows },
        talib: talibCalls,
        firstOutput,
        outputs,
      });
    }
  }
  const fixture = {
    indicator: name,
    source: {
      reference: `TA-Lib ${taLibVersion} C source as bundled in npm talib ${talibNpmVersion}, built locally`,
      taLibVersion,
      talibNpmVersion,
      generator: 'scripts/talib-vectors/generate.mjs',
      settings: 'default compatibility, unstable periods 0, startIdx 0',
      dataRoot: '../shared/data (data rows counted after the header, from 0)',
    },
    cases: fixtureCases,
  };
  writeFileSync(join(fixturesDir, `talib-${name}.json`), `${JSON.stringify(fixture)}\n`);
  console.log(`talib-${name}.json: ${fixtureCases.length} cases`);
}
