// Watchlists page: list, edit as text (sections and a note per symbol), history of entries and exits.
import { $, el, iso, signedInClient } from './research.js';

const status = $('#status');
const client = signedInClient(status);

/** `# Section` starts a section; `venue SYMBOL note…` adds a symbol to the current one. */
export function parseLines(text) {
  const sections = [{ name: '', items: [] }];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      sections.push({ name: line.replace(/^#+\s*/, ''), items: [] });
      continue;
    }
    const [venue, symbol, ...note] = line.split(/\s+/);
    sections.at(-1).items.push({ venue, symbol: (symbol ?? '').toUpperCase(), note: note.join(' ') });
  }
  return sections.filter((section, index) => index > 0 || section.items.length > 0);
}

const toLines = (watchlist) =>
  watchlist.sections
    .flatMap((section) => [
      ...(section.name ? [`# ${section.name}`] : []),
      ...section.items.map((item) => `${item.venue} ${item.symbol} ${item.note}`.trim()),
    ])
    .join('\n');

async function showHistory(id) {
  const { items } = await client.get(`/v1/watchlists/${encodeURIComponent(id)}/history`);
  $('#history').replaceChildren(
    ...items.map((change) =>
      el(
        'li',
        { class: change.change },
        `${iso(change.at)} ${change.change} ${change.venue} ${change.symbol}`,
      ),
    ),
  );
}

function edit(watchlist) {
  const form = $('#editor');
  form.elements.id.value = watchlist.id;
  form.elements.name.value = watchlist.name;
  form.elements.position.value = watchlist.position;
  form.elements.lines.value = toLines(watchlist);
  $('#editor-title').textContent = `Edit ${watchlist.name}`;
  showHistory(watchlist.id).catch((error) => {
    status.textContent = error.message;
  });
}

async function load() {
  const { items } = await client.get('/v1/watchlists');
  $('#watchlists').replaceChildren(
    ...items.map((watchlist) =>
      el(
        'article',
        { class: 'watchlist', 'data-id': watchlist.id },
        el('h3', {}, watchlist.name),
        ...watchlist.sections.map((section) =>
          el(
            'div',
            {},
            el('h4', {}, section.name || '—'),
            el(
              'ul',
              {},
              ...section.items.map((item) =>
                el('li', {}, el('strong', {}, item.symbol), ` ${item.venue} `, el('em', {}, item.note)),
              ),
            ),
          ),
        ),
        Object.assign(el('button', { type: 'button' }, 'Edit'), { onclick: () => edit(watchlist) }),
      ),
    ),
  );
  status.textContent = `${items.length} watchlist(s)`;
}

$('#editor').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  $('#editor-error').textContent = '';
  try {
    const saved = await client.request(
      'PUT',
      `/v1/watchlists/${encodeURIComponent(form.elements.id.value)}`,
      {
        name: form.elements.name.value,
        position: Number(form.elements.position.value),
        sections: parseLines(form.elements.lines.value),
      },
    );
    status.textContent = `saved: +${saved.entered.length} −${saved.left.length}${saved.rules.length ? `, rules ${saved.rules.join(', ')} follow` : ''}`;
    await load();
    await showHistory(saved.watchlist.id);
  } catch (error) {
    $('#editor-error').textContent = error.message;
  }
});

if (client)
  load().catch((error) => {
    status.textContent = error.message;
  });
