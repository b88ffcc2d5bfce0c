// The newsletter preview page: the next edition as it would go out now (GET /v1/newsletters/preview).
import { NexuralClient } from './client.js';

const $ = (selector) => document.querySelector(selector);
const key = new URLSearchParams(location.hash.slice(1)).get('key') ?? localStorage.getItem('nexural.key');

async function load() {
  if (!key) {
    $('#status').textContent = 'Open the dashboard with your API key first (/#key=nxr_…).';
    return;
  }
  const client = new NexuralClient(key);
  $('#status').textContent = 'Loading the next edition…';
  try {
    const preview = await client.request('GET', '/v1/newsletters/preview');
    $('#subject').textContent = preview.subject;
    // the period is shown once the edition is: the frame has loaded the new document
    const frame = $('#preview');
    await new Promise((resolve) => {
      frame.addEventListener('load', resolve, { once: true });
      frame.srcdoc = preview.html;
    });
    const from = new Date(preview.periodStart).toISOString();
    const to = new Date(preview.periodEnd).toISOString();
    $('#status').textContent = `Covers ${from} → ${to} (nothing is archived or sent by this preview).`;
  } catch (error) {
    $('#status').textContent = `No preview: ${error.message}`;
  }
}

$('#refresh').addEventListener('click', load);
load();
