// Shared by the research pages: the signed-in client (API key from #key=… or this browser's storage) and
// small DOM helpers. Text from the API is always set as textContent, never as HTML.
import { NexuralClient } from './client.js';

export const $ = (selector, root = document) => root.querySelector(selector);

export function signedInClient(status) {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
  if (fromHash) localStorage.setItem('nexural.key', fromHash);
  const key = fromHash ?? localStorage.getItem('nexural.key');
  if (!key) {
    status.textContent = 'Open the dashboard with your API key first (/#key=nxr_…).';
    return null;
  }
  return new NexuralClient(key);
}

/** An element with text and children: el('li', { class: 'x' }, 'text', child…). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

export const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
export const percent = (fraction) => `${(fraction * 100).toFixed(2)}%`;
