// Automations page: your workflows, each one's runs with every step's status, the dead letters, and retry
// (re-runs a dead run from its failed step; the steps that succeeded are not run again).
import { $, el, iso, signedInClient } from './research.js';

const status = $('#status');
const client = signedInClient(status);
let shown = null;

const triggerText = (trigger) => {
  switch (trigger.kind) {
    case 'alert':
      return `alert ${[...trigger.ruleIds, ...trigger.symbols, ...trigger.venues].join(', ') || '(any)'}`;
    case 'signal':
      return `signal ${trigger.strategy ?? '(any)'} ${trigger.side}`;
    case 'schedule':
      return `schedule ${trigger.cron} ${trigger.timeZone}`;
    default:
      return `webhook (${trigger.auth})`;
  }
};

/** where a backtest/replay step's output went (its run id; the output folder in the title) */
const outputOf = (step) => (typeof step.response?.runId === 'string' ? ` → ${step.response.runId}` : '');
const stepTitle = (step) =>
  [step.error, typeof step.response?.outDir === 'string' ? `output: ${step.response.outDir}` : null]
    .filter(Boolean)
    .join('\n');

/** one chip per step: name, status, response code, attempts, output run; the error and output folder as its title */
const stepChips = (run) =>
  el(
    'span',
    { class: 'steps' },
    ...run.steps.map((step) =>
      el(
        'span',
        { class: `step ${step.status}`, title: stepTitle(step), 'data-step': step.name },
        `${step.name}: ${step.status}${step.responseCode === null ? '' : ` ${step.responseCode}`}${step.attempts > 1 ? ` ×${step.attempts}` : ''}${outputOf(step)}`,
      ),
    ),
  );

const retryButton = (run) =>
  Object.assign(el('button', { type: 'button', class: 'retry', 'data-run': run.id }, 'Retry'), {
    onclick: async () => {
      try {
        await client.request('POST', `/v1/automations/runs/${encodeURIComponent(run.id)}/retry`);
        status.textContent = `retrying ${run.id} from its failed step`;
        await refresh();
      } catch (error) {
        status.textContent = error.message;
      }
    },
  });

async function showRuns(workflow) {
  shown = workflow;
  const { items } = await client.get(`/v1/automations/${encodeURIComponent(workflow.id)}/runs?limit=50`);
  $('#runs-title').textContent = `Runs of ${workflow.name}`;
  $('#runs tbody').replaceChildren(
    ...items.map((run) =>
      el(
        'tr',
        { 'data-run': run.id, class: run.status },
        el('td', {}, run.id),
        el('td', {}, run.status),
        el('td', {}, iso(run.startedAt)),
        el('td', {}, run.event.id),
        el('td', {}, stepChips(run)),
        el('td', {}, run.status === 'dead' ? retryButton(run) : ''),
      ),
    ),
  );
}

async function refresh() {
  const [{ items: workflows }, { items: dead }] = await Promise.all([
    client.get('/v1/automations'),
    client.get('/v1/automations/dead-letters?limit=50'),
  ]);
  const names = new Map(workflows.map((workflow) => [workflow.id, workflow.name]));
  $('#workflows tbody').replaceChildren(
    ...workflows.map((workflow) =>
      el(
        'tr',
        { 'data-id': workflow.id },
        el('td', {}, workflow.name),
        el('td', {}, triggerText(workflow.trigger)),
        el('td', {}, workflow.steps.map((step) => `${step.name} (${step.kind})`).join(' → ')),
        el('td', {}, workflow.enabled ? 'yes' : 'no'),
        el(
          'td',
          {},
          Object.assign(el('button', { type: 'button', class: 'show-runs' }, 'Runs'), {
            onclick: () =>
              showRuns(workflow).catch((error) => {
                status.textContent = error.message;
              }),
          }),
        ),
      ),
    ),
  );
  $('#dead-letters tbody').replaceChildren(
    ...dead.map((run) => {
      const failed = run.steps.find((step) => step.status === 'dead' || step.status === 'failed');
      return el(
        'tr',
        { 'data-run': run.id },
        el('td', {}, run.id),
        el('td', {}, names.get(run.workflowId) ?? run.workflowId),
        el('td', {}, iso(run.startedAt)),
        el('td', {}, failed?.name ?? ''),
        el('td', {}, failed?.error ?? ''),
        el('td', {}, retryButton(run)),
      );
    }),
  );
  if (shown) await showRuns(shown);
  status.textContent = `${workflows.length} workflow(s), ${dead.length} dead letter(s)`;
}

if (client)
  refresh().catch((error) => {
    status.textContent = error.message;
  });
