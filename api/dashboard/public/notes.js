// Notes and ideas page: list and search, a note with the market as it was when saved, new notes, the
// scorecard, and exports (fetched with the session token, saved as a file).
import { $, el, iso, percent, signedInClient } from './research.js';

const status = $('#status');
const client = signedInClient(status);

const scoreText = (note) => {
  if (!note.idea) return '';
  const head = `${note.idea.direction} · ${note.idea.horizonBars} bars`;
  if (note.score?.status !== 'scored') return `${head} · pending`;
  const { score } = note;
  return `${head} · return ${percent(score.return)} · MFE ${percent(score.mfe)} · MAE ${percent(score.mae)}`;
};

async function open(id) {
  const note = await client.get(`/v1/notes/${encodeURIComponent(id)}`);
  $('#note').hidden = false;
  $('#note-title').textContent = note.title;
  const { anchor } = note;
  $('#note-meta').textContent =
    `${anchor.venue} ${anchor.symbol} ${anchor.interval} at ${iso(anchor.eventTime)} · ${note.tags.map((tag) => `#${tag}`).join(' ')}`;
  $('#note-score').textContent = scoreText(note);
  $('#note-body').textContent = note.body;
  const byBar = new Map();
  for (const value of note.snapshot.indicators) {
    const text = Object.entries(value.outputs).map(
      ([name, number]) => `${value.spec}${name === 'value' ? '' : `.${name}`} ${number.toFixed(2)}`,
    );
    byBar.set(value.openTime, [...(byBar.get(value.openTime) ?? []), ...text]);
  }
  $('#note-bars tbody').replaceChildren(
    ...[...note.snapshot.bars]
      .reverse()
      .map((bar) =>
        el(
          'tr',
          {},
          ...[
            iso(bar.openTime),
            bar.open,
            bar.high,
            bar.low,
            bar.close,
            bar.volume,
            (byBar.get(bar.openTime) ?? []).join(' · '),
          ].map((cell) => el('td', {}, cell)),
        ),
      ),
  );
}

function showNotes(items) {
  $('#notes').replaceChildren(
    ...items.map((note) => {
      const item = el(
        'li',
        { 'data-id': note.id },
        el('a', { href: `#note=${note.id}` }, note.title),
        ` ${note.anchor.symbol} ${iso(note.anchor.eventTime)} `,
        el('span', { class: 'meta' }, scoreText(note)),
      );
      if (note.headline !== undefined)
        item.append(el('div', { class: 'meta' }, note.headline.replaceAll(/<\/?b>/g, '')));
      item.querySelector('a').addEventListener('click', () =>
        open(note.id).catch((error) => {
          status.textContent = error.message;
        }),
      );
      return item;
    }),
  );
}

async function loadScorecard() {
  const card = await client.get('/v1/ideas/scorecard');
  const row = (label, stats) =>
    el(
      'tr',
      {},
      ...[
        label,
        stats.ideas,
        stats.pending,
        stats.scored,
        stats.winRate === null ? '—' : percent(stats.winRate),
        ...[stats.meanReturn, stats.meanMfe, stats.meanMae].map((value) =>
          value === null ? '—' : percent(value),
        ),
      ].map((cell) => el('td', {}, cell)),
    );
  $('#scorecard tbody').replaceChildren(
    row('all ideas', card.overall),
    ...card.byTag.map((stats) => row(`#${stats.tag}`, stats)),
  );
}

async function load() {
  const form = $('#search');
  const q = form.elements.q.value.trim();
  const tag = form.elements.tag.value.trim();
  const query = new URLSearchParams({ ...(q ? { q } : {}), ...(tag ? { tag } : {}) });
  const { items } = await client.get(q ? `/v1/notes/search?${query}` : `/v1/notes?${query}`);
  showNotes(items);
  status.textContent = `${items.length} note(s)`;
  await loadScorecard();
}

async function download(format) {
  const token = await client.freshToken();
  const response = await fetch(`/v1/notes/export?format=${format}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const link = el('a', {
    href: URL.createObjectURL(await response.blob()),
    download: `nexural-notes.${format}`,
  });
  link.click();
  URL.revokeObjectURL(link.href);
}

$('#search').addEventListener('submit', (event) => {
  event.preventDefault();
  load().catch((error) => {
    status.textContent = error.message;
  });
});
$('#export-md').addEventListener('click', () => download('md'));
$('#export-json').addEventListener('click', () => download('json'));

/** "Now" in the series' own time: its newest bar (a replay or the demo feed runs in the past), else the clock. */
async function latestBarTime({ venue, symbol, interval }) {
  try {
    const bar = await client.get(
      `/v1/markets/${encodeURIComponent(venue)}/${encodeURIComponent(symbol)}/bars/${encodeURIComponent(interval)}/latest`,
    );
    return bar.closeTime;
  } catch {
    return Date.now();
  }
}

$('#new-note').addEventListener('submit', async (event) => {
  event.preventDefault();
  const fields = event.target.elements;
  $('#new-note-error').textContent = '';
  try {
    const series = {
      venue: fields.venue.value,
      symbol: fields.symbol.value.toUpperCase(),
      interval: fields.interval.value,
    };
    const eventTime = fields.eventTime.value.trim()
      ? Date.parse(fields.eventTime.value.trim())
      : await latestBarTime(series);
    const note = await client.request('POST', '/v1/notes', {
      title: fields.title.value,
      body: fields.body.value,
      tags: fields.tags.value
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((tag) => tag.toLowerCase()),
      anchor: {
        venue: fields.venue.value,
        symbol: fields.symbol.value.toUpperCase(),
        interval: fields.interval.value,
        eventTime,
      },
      idea: fields.direction.value
        ? { direction: fields.direction.value, horizonBars: Number(fields.horizonBars.value) }
        : null,
    });
    await load();
    await open(note.id);
  } catch (error) {
    $('#new-note-error').textContent = error.message;
  }
});

if (client)
  load().catch((error) => {
    status.textContent = error.message;
  });
