// The dashboard: picks a series, draws its bars and chosen indicators, keeps them live over the WebSocket,
// shows your alerts as they fire, and creates/deletes your alert rules. No build step, no CDN.
import { PriceChart } from './chart.js';
import { LiveConnection, NexuralClient } from './client.js';
import { buildSeriesPickers, fillCatalog, seriesLabel, seriesOf, showKind } from './series-picker.js';

const $ = (selector) => document.querySelector(selector);
const INTERVAL_MS = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000 };
const WINDOW_BARS = 300;
/** Read by the end-to-end test and handy in the console. */
const state = {
  barsReceived: 0,
  barsOnChart: 0,
  indicatorPoints: 0,
  alertsReceived: 0,
  storedAlerts: 0,
  testAlerts: null,
  testMarkers: 0,
  indicatorCatalog: [],
  series: null,
  firstOpenTime: null,
  lastOpenTime: null,
};
window.nexural = state;

const client = new NexuralClient(takeApiKey());
buildSeriesPickers($('#rule-form'));
const chart = new PriceChart($('#chart'));
let live = null;
let seriesGeneration = 0;
let indicatorTimer = null;

/** The key comes from the URL fragment once (never sent to a server), then from this browser's storage. */
function takeApiKey() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
  if (fromHash) {
    localStorage.setItem('nexural.key', fromHash);
    history.replaceState(null, '', location.pathname);
  }
  return localStorage.getItem('nexural.key');
}

function setStatus(kind, text) {
  const status = $('#status');
  status.className = `status ${kind}`;
  status.textContent = text;
}

const chosenSeries = () => {
  const [venue, symbol] = $('#symbol').value.split(':');
  return { venue, symbol, interval: $('#interval').value };
};
const seriesPath = ({ venue, symbol }) =>
  `/v1/markets/${encodeURIComponent(venue)}/${encodeURIComponent(symbol)}`;
const chosenIndicators = () =>
  [...document.querySelectorAll('#indicators input:checked')].map((box) => box.value);

async function readBars(series, from, to) {
  const bars = [];
  let cursor = null;
  do {
    const page = await client.get(
      `${seriesPath(series)}/bars/${series.interval}?from=${from}&to=${to}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    bars.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return bars;
}

async function refreshIndicators() {
  const series = state.series;
  if (!series || state.lastOpenTime === null) return;
  const step = INTERVAL_MS[series.interval];
  const to = state.lastOpenTime + step;
  const from = to - WINDOW_BARS * step;
  const computed = await Promise.all(
    chosenIndicators().map((spec) =>
      client.get(
        `${seriesPath(series)}/indicators/${series.interval}/compute?spec=${encodeURIComponent(spec)}&from=${from}&to=${to}`,
      ),
    ),
  );
  if (series !== state.series) return;
  chart.setIndicators(computed);
  state.indicatorPoints = computed.reduce((sum, indicator) => sum + indicator.items.length, 0);
}

/** At most one recomputation a second, however fast final bars arrive. */
function scheduleIndicators() {
  if (indicatorTimer !== null) return;
  indicatorTimer = setTimeout(() => {
    indicatorTimer = null;
    refreshIndicators().catch((error) => setStatus('down', error.message));
  }, 1_000);
}

async function showSeries() {
  const generation = ++seriesGeneration;
  const series = chosenSeries();
  state.series = series;
  state.lastOpenTime = null;
  state.firstOpenTime = null;
  $('#series-title').textContent = `${series.venue}:${series.symbol} ${series.interval}`;
  live?.unsubscribe('bars');
  let bars = [];
  try {
    const latest = await client.get(`${seriesPath(series)}/bars/${series.interval}/latest`);
    const to = latest.openTime + INTERVAL_MS[series.interval];
    bars = await readBars(series, to - WINDOW_BARS * INTERVAL_MS[series.interval], to);
  } catch (error) {
    if (error.code !== 'NXR_NOT_FOUND') throw error;
  }
  if (generation !== seriesGeneration) return;
  chart.setBars(bars);
  state.barsOnChart = bars.length;
  state.lastOpenTime = bars.at(-1)?.openTime ?? null;
  state.firstOpenTime = bars[0]?.openTime ?? null;
  state.testMarkers = chart.setMarkers([]);
  await refreshIndicators();
  live.subscribe('bars', () => ({
    op: 'subscribe',
    id: 'bars',
    channel: 'bars',
    ...series,
    ...(state.lastOpenTime === null ? {} : { sinceOpenTime: state.lastOpenTime }),
  }));
}

function onBar(bar) {
  const series = state.series;
  if (!series || bar.symbol !== series.symbol || bar.interval !== series.interval) return;
  if (!chart.update(bar)) return;
  state.barsReceived += 1;
  if (bar.openTime !== state.lastOpenTime) state.barsOnChart += 1;
  state.lastOpenTime = bar.openTime;
  $('#live-bars').textContent = String(state.barsReceived);
  $('#last-bar').textContent =
    `${new Date(bar.openTime).toISOString().slice(11, 16)} close ${bar.close}${bar.final ? ' (final)' : ''}`;
  if (bar.final) scheduleIndicators();
}

const shownAlerts = new Set();

/** One alert in the panel: live ones go on top, stored ones (read at open) below in newest-first order. */
function showAlert(event, origin) {
  if (shownAlerts.has(event.id)) return false;
  shownAlerts.add(event.id);
  const item = document.createElement('li');
  item.dataset.rule = event.ruleId;
  item.className = origin;
  const time = document.createElement('time');
  time.textContent = `${new Date(event.time).toISOString().replace('T', ' ').slice(0, 19)} · ${event.symbol} ${event.interval} · ${event.ruleId}`;
  item.append(time, document.createTextNode(event.message));
  if (origin === 'stored') $('#alerts').append(item);
  else $('#alerts').prepend(item);
  while ($('#alerts').children.length > 100) $('#alerts').lastElementChild.remove();
  return true;
}

function onAlert(message) {
  localStorage.setItem('nexural.lastAlert', message.deliveryId);
  if (showAlert(message.event, 'live')) state.alertsReceived += 1;
}

/** Every registry indicator (GET /v1/indicators), offered wherever the rule form takes a series. */
async function loadIndicatorCatalog() {
  const { items } = await client.get('/v1/indicators');
  state.indicatorCatalog = items.map((entry) => entry.defaultSpec);
  fillCatalog(items);
}

/** Your newest stored alerts, so the panel is not empty until the next rule fires. */
async function loadRecentAlerts() {
  const { items } = await client.get('/v1/alerts/events?limit=50');
  state.storedAlerts = items.filter((event) => showAlert(event, 'stored')).length;
}

function onLiveMessage(message) {
  if (message.type === 'bar') onBar(message.bar);
  else if (message.type === 'alert') onAlert(message);
  else if (message.type === 'error') setStatus('down', `${message.error.code}: ${message.error.message}`);
}

async function loadRules() {
  const { items } = await client.get('/v1/rules');
  const list = $('#rules');
  list.replaceChildren(
    ...items.map((rule) => {
      const item = document.createElement('li');
      item.dataset.rule = rule.id;
      const text = document.createElement('span');
      const source = seriesLabel(rule.source);
      text.textContent = `${rule.id}`;
      const detail = document.createElement('small');
      const symbols = rule.symbols ? rule.symbols.join(',') : rule.symbol;
      const threshold = ['value', 'lower', 'upper', 'amount', 'percent']
        .filter((key) => key in rule.condition)
        .map((key) => seriesLabel(rule.condition[key]))
        .join('…');
      detail.textContent = `${symbols} ${rule.interval} · ${source} ${rule.condition.operator} ${threshold} · ${rule.frequency}`;
      text.append(detail);
      const remove = document.createElement('button');
      remove.textContent = 'Delete';
      remove.addEventListener('click', () =>
        client.request('DELETE', `/v1/rules/${rule.id}`).then(loadRules),
      );
      item.append(text, remove);
      return item;
    }),
  );
}

function conditionOf(form) {
  const number = (name) => Number(form.get(name));
  const operator = form.get('operator');
  if (operator.includes('channel')) {
    return { operator, lower: seriesOf(form, 'lower'), upper: seriesOf(form, 'upper') };
  }
  if (operator.endsWith('_percent')) return { operator, percent: number('value'), bars: number('bars') };
  if (operator.startsWith('moving_')) return { operator, amount: number('value'), bars: number('bars') };
  return { operator, value: seriesOf(form, 'value') };
}

function ruleOfForm(formElement) {
  const form = new FormData(formElement);
  const series = chosenSeries();
  const rule = {
    symbol: series.symbol,
    interval: series.interval,
    source: seriesOf(form, 'source'),
    condition: conditionOf(form),
    frequency: form.get('frequency'),
  };
  if (form.get('id')) rule.id = form.get('id');
  if (form.get('message')) rule.message = form.get('message');
  return rule;
}

async function createRule(event) {
  event.preventDefault();
  try {
    await client.request('POST', '/v1/rules', ruleOfForm(event.target));
    $('#rule-error').textContent = '';
    event.target.reset();
    for (const fieldset of document.querySelectorAll('#rule-form .series')) showKind(fieldset);
    await loadRules();
  } catch (error) {
    $('#rule-error').textContent = `${error.code}: ${error.message}`;
  }
}

/** Runs the form's rule over the history on the chart and marks where it would have fired. */
async function testRule() {
  const series = state.series;
  if (!series || state.firstOpenTime === null || state.lastOpenTime === null) {
    $('#rule-error').textContent = 'no bars on the chart to test on';
    return;
  }
  const step = INTERVAL_MS[series.interval];
  $('#rule-test-result').textContent = 'testing…';
  try {
    const result = await client.request('POST', '/v1/rules/test', {
      rule: ruleOfForm($('#rule-form')),
      from: state.firstOpenTime,
      to: state.lastOpenTime + step,
    });
    if (series !== state.series) return;
    const events = result.items.filter((event) => event.venue === series.venue);
    const markers = events.map((event) => ({
      time: Math.floor(barOpenTimeOf(event, step) / 1000),
      position: 'aboveBar',
      color: '#f5a623',
      shape: 'arrowDown',
      // no label: a busy rule would cover the candles; the count is in #rule-test-result
    }));
    state.testMarkers = chart.setMarkers(markers);
    state.testAlerts = events.length;
    const inputs = result.symbols
      .filter((tested) => tested.venue === series.venue)
      .map((tested) => `${tested.ticks} ${tested.input === 'bars' ? 'bar ticks' : tested.input}`)
      .join(', ');
    $('#rule-test-result').textContent =
      `${events.length} alerts on the chart's history (${inputs || 'no history'})${result.truncated ? ', truncated' : ''}`;
    $('#rule-error').textContent = '';
  } catch (error) {
    $('#rule-test-result').textContent = '';
    $('#rule-error').textContent = `${error.code}: ${error.message}`;
  }
}

const barOpenTimeOf = (event, step) =>
  event.kind === 'fired' && event.trigger.kind === 'bar'
    ? event.trigger.openTime
    : event.time - (event.time % step);

/** Symbols appear once the pipeline stored their first bars: a fresh start waits for them. */
async function loadSymbols() {
  for (;;) {
    const { items } = await client.get('/v1/symbols');
    if (items.length > 0) {
      $('#symbol').replaceChildren(
        ...items.map(({ venue, symbol }) => new Option(`${symbol} (${venue})`, `${venue}:${symbol}`)),
      );
      return;
    }
    setStatus('', 'waiting for market data…');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

async function start() {
  await client.signIn();
  $('#login').hidden = true;
  $('#main').hidden = false;
  await Promise.all([loadSymbols(), loadIndicatorCatalog(), loadRecentAlerts()]);
  live = new LiveConnection(client, { onMessage: onLiveMessage, onStatus: setStatus });
  live.subscribe('alerts', () => {
    const resumeAfter = localStorage.getItem('nexural.lastAlert');
    return { op: 'subscribe', id: 'alerts', channel: 'alerts', ...(resumeAfter ? { resumeAfter } : {}) };
  });
  await live.connect();
  for (const picker of ['#symbol', '#interval']) $(picker).addEventListener('change', () => showSeries());
  $('#indicators').addEventListener('change', () => refreshIndicators());
  $('#rule-form').addEventListener('submit', createRule);
  $('#rule-test').addEventListener('click', () => testRule());
  await Promise.all([showSeries(), loadRules()]);
}

$('#login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  client.apiKey = $('#login-key').value.trim();
  localStorage.setItem('nexural.key', client.apiKey);
  start().catch((error) => {
    $('#login-error').textContent = error.message;
  });
});

if (client.apiKey) {
  start().catch((error) => {
    $('#login').hidden = false;
    $('#login-error').textContent = error.message;
  });
} else {
  $('#login').hidden = false;
}
