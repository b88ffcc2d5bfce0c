import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import { sqlAccountRepository } from '../../api/adapters/sql-accounts.js';
import { hashApiKey } from '../../api/auth/api-keys.js';
import { dryRun } from '../../consumers/automation/dry-run.js';
import { sqlAutomations } from '../../pipeline/store/sql-automations.js';
import { sqlStrategyStore } from '../../pipeline/store/sql-strategy-store.js';
import type { Workflow, WorkflowRun } from '../../schemas/automation.js';
import { parseEnv } from '../../schemas/env.js';
import { NexuralError } from '../../schemas/errors.js';
import type { AccountRepository } from '../../schemas/ports/accounts.js';
import type { AutomationRepository } from '../../schemas/ports/automations.js';
import type { SignalHistory } from '../../schemas/ports/signal-history.js';
import type { StoreReader } from '../../schemas/ports/store.js';
import { openDatabase } from './serve.js';
import { envSignalHistory } from './signal-history.js';

export interface AutomationsCliDeps {
  readonly repository: AutomationRepository;
  readonly reader: StoreReader;
  readonly accounts: AccountRepository;
  /** the dry-run of signal triggers; without it they are unsupported */
  readonly signals?: SignalHistory;
}

/** Who the command acts as: `--owner <user>` or the owner of `--api-key <key>` (a revoked key is refused). */
export interface Identity {
  readonly owner?: string;
  readonly apiKey?: string;
}

export async function resolveOwner(accounts: AccountRepository, identity: Identity): Promise<string> {
  if (identity.owner !== undefined && identity.apiKey !== undefined)
    throw new NexuralError('NXR_CONFIG_INVALID', 'give --owner or --api-key, not both');
  if (identity.owner !== undefined) {
    if (identity.owner.trim() === '')
      throw new NexuralError('NXR_CONFIG_INVALID', '--owner: empty', { option: 'owner' });
    return identity.owner;
  }
  if (identity.apiKey === undefined)
    throw new NexuralError('NXR_CONFIG_INVALID', 'say who you are: --owner <user> or --api-key <key>');
  const key = await accounts.findActiveKeyByHash(hashApiKey(identity.apiKey));
  if (!key) {
    throw new NexuralError(
      'NXR_UNAUTHENTICATED',
      `--api-key ${identity.apiKey.slice(0, 8)}…: no such active key`,
      { option: 'api-key' },
    );
  }
  return key.owner;
}

const time = (ms: number | null) =>
  ms === null ? '' : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** Aligned columns, header first (as `nexural runs`). */
function writeTable(out: Writable, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  for (const row of [header, ...rows]) {
    out.write(
      `${row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}

function triggerText(workflow: Workflow): string {
  const { trigger } = workflow;
  switch (trigger.kind) {
    case 'alert':
      return `alert ${[...trigger.ruleIds, ...trigger.symbols, ...trigger.venues].join(',') || '(any)'}`;
    case 'signal':
      return `signal ${trigger.strategy ?? '(any)'} ${trigger.side}${trigger.symbols.length > 0 ? ` ${trigger.symbols.join(',')}` : ''}`;
    case 'schedule':
      return `schedule ${trigger.cron} ${trigger.timeZone}`;
    default:
      return `webhook (${trigger.auth})`;
  }
}

export async function printWorkflows(deps: AutomationsCliDeps, identity: Identity, out: Writable) {
  const owner = await resolveOwner(deps.accounts, identity);
  const workflows = await deps.repository.list(owner);
  if (workflows.length === 0) {
    out.write(`no automations for ${owner} (POST /v1/automations makes one)\n`);
    return workflows;
  }
  writeTable(
    out,
    ['id', 'name', 'enabled', 'trigger', 'steps', 'created (UTC)'],
    workflows.map((workflow) => [
      workflow.id,
      workflow.name,
      workflow.enabled ? 'yes' : 'no',
      triggerText(workflow),
      workflow.steps.map((step) => `${step.name}:${step.kind}`).join(' '),
      time(workflow.createdAt),
    ]),
  );
  return workflows;
}

async function ownedWorkflow(deps: AutomationsCliDeps, owner: string, id: string): Promise<Workflow> {
  const workflow = await deps.repository.get(id);
  if (!workflow || workflow.owner !== owner)
    throw new NexuralError('NXR_NOT_FOUND', `no automation ${id} of ${owner}`, { id });
  return workflow;
}

const limitSchema = z.coerce.number().int().min(1).max(1000);

/** where a backtest/replay step's output went: ` → <output dir>` or ` → run <id>` */
const outputOf = (step: WorkflowRun['steps'][number]) => {
  const response = step.response ?? {};
  if (typeof response.outDir === 'string') return ` → ${response.outDir}`;
  return typeof response.runId === 'string' ? ` → run ${response.runId}` : '';
};

const stepText = (run: WorkflowRun) =>
  run.steps
    .map(
      (step) =>
        `${step.name}=${step.status}${step.responseCode === null ? '' : `(${step.responseCode})`}${step.attempts > 1 ? `×${step.attempts}` : ''}${outputOf(step)}`,
    )
    .join(' ');

export async function printRuns(
  deps: AutomationsCliDeps,
  identity: Identity,
  workflowId: string,
  limit: string,
  out: Writable,
) {
  const parsedLimit = limitSchema.safeParse(limit);
  if (!parsedLimit.success)
    throw new NexuralError('NXR_CONFIG_INVALID', `--limit ${limit}: a whole number 1–1000`, { limit });
  const owner = await resolveOwner(deps.accounts, identity);
  await ownedWorkflow(deps, owner, workflowId);
  const runs = await deps.repository.runs(owner, workflowId, parsedLimit.data);
  if (runs.length === 0) {
    out.write(`no runs of ${workflowId} yet\n`);
    return runs;
  }
  writeTable(
    out,
    ['run', 'status', 'started (UTC)', 'event', 'steps', 'error'],
    runs.map((run) => [
      run.id,
      run.status,
      time(run.startedAt),
      run.event.id,
      stepText(run),
      run.steps.find((step) => step.error !== null)?.error?.slice(0, 80) ?? '',
    ]),
  );
  return runs;
}

function parseTime(option: string, text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw new NexuralError('NXR_CONFIG_INVALID', `--${option} ${text}: not an ISO time or epoch ms`, {
      option,
    });
  return ms;
}

export async function printDryRun(
  deps: AutomationsCliDeps,
  identity: Identity,
  workflowId: string,
  range: { readonly from: string; readonly to?: string },
  out: Writable,
) {
  const from = parseTime('from', range.from);
  const to = range.to === undefined ? Date.now() : parseTime('to', range.to);
  if (from >= to)
    throw new NexuralError(
      'NXR_CONFIG_INVALID',
      `--from ${range.from} is not before --to ${range.to ?? 'now'}`,
    );
  const owner = await resolveOwner(deps.accounts, identity);
  const result = await dryRun(
    await ownedWorkflow(deps, owner, workflowId),
    deps.reader,
    { from, to },
    500,
    deps.signals ?? null,
  );
  if (result.kind === 'unsupported') {
    out.write(`dry-run not possible: ${result.reason}\n`);
    return result;
  }
  out.write(
    `${workflowId} over ${time(from)} → ${time(to)} UTC: ${result.runs.length}${result.truncated ? '+' : ''} runs (nothing sent)\n`,
  );
  const rows = result.runs.flatMap((run) =>
    run.steps.map((step, index) => [
      index === 0 ? time(run.event.time) : '',
      index === 0 ? run.event.id : '',
      step.name,
      step.runs ? 'run' : 'skip',
      step.target,
      (step.content ?? '').replace(/\s+/g, ' ').slice(0, 60),
    ]),
  );
  if (rows.length > 0) writeTable(out, ['time (UTC)', 'event', 'step', 'would', 'target', 'content'], rows);
  return result;
}

async function withDeps<T>(work: (deps: AutomationsCliDeps) => Promise<T>): Promise<T> {
  const env = parseEnv(process.env);
  const { store, sql, jobsDatabase, closeJobsDatabase } = await openDatabase(env);
  try {
    await store.migrate();
    return await work({
      repository: sqlAutomations(jobsDatabase),
      reader: store,
      accounts: sqlAccountRepository(sql),
      signals: envSignalHistory(sqlStrategyStore(sql), env),
    });
  } finally {
    await closeJobsDatabase();
    await sql.close();
    await store.close();
  }
}

const identify = (command: Command) =>
  command
    .option('--owner <user>', 'act as this user')
    .option('--api-key <key>', 'act as the owner of this API key');

export function registerAutomationsCommand(program: Command): void {
  const automations = program
    .command('automations')
    .description('automation workflows (issue 16): list them, their runs, or dry-run one over history');
  identify(automations.command('list').description('your workflows')).action(async (options: Identity) => {
    await withDeps((deps) => printWorkflows(deps, options, process.stdout));
  });
  identify(
    automations
      .command('runs <workflow>')
      .description("a workflow's runs, newest first, with each step's status")
      .option('--limit <n>', 'at most this many runs', '20'),
  ).action(async (workflow: string, options: Identity & { limit: string }) => {
    await withDeps((deps) => printRuns(deps, options, workflow, options.limit, process.stdout));
  });
  identify(
    automations
      .command('dry-run <workflow>')
      .description('every run the workflow would have made over a past range; nothing is sent')
      .requiredOption('--from <time>', 'ISO time or epoch ms')
      .option('--to <time>', 'ISO time or epoch ms (default: now)'),
  ).action(async (workflow: string, options: Identity & { from: string; to?: string }) => {
    await withDeps((deps) => printDryRun(deps, options, workflow, options, process.stdout));
  });
}
