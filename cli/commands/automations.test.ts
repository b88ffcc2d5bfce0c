import { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { sqlAccountRepository } from '../../api/adapters/sql-accounts.js';
import { pgliteSqlClient } from '../../api/adapters/sql-client.js';
import { mintApiKey } from '../../api/auth/api-keys.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlAutomations } from '../../pipeline/store/sql-automations.js';
import { automationInputSchema, type Workflow } from '../../schemas/automation.js';
import { type AutomationsCliDeps, printDryRun, printRuns, printWorkflows } from './automations.js';

async function fixture() {
  const pglite = await PGlite.create();
  const store = await openPgliteStore({ db: pglite });
  await store.migrate();
  const accounts = sqlAccountRepository(pgliteSqlClient(pglite));
  await accounts.ensureUser({ id: 'alice' });
  const { key, row } = mintApiKey('alice', 'cli', ['read']);
  await accounts.insertApiKey(row);
  const repository = sqlAutomations(pgliteDatabase(pglite));
  const workflow: Workflow = {
    ...automationInputSchema.parse({
      name: 'weekday open',
      trigger: { kind: 'schedule', cron: '0 9 * * 1-5', timeZone: 'Europe/Berlin' },
      steps: [
        { kind: 'http', name: 'ping', url: 'http://127.0.0.1:9/ping', body: 'at {{trigger.scheduledAt}}' },
      ],
    }),
    id: 'wf-open',
    owner: 'alice',
    secret: 'whsec_dGVzdA==',
    createdAt: Date.UTC(2024, 7, 1),
  };
  await repository.create(workflow);
  const deps: AutomationsCliDeps = { repository, reader: store, accounts };
  return { deps, key, repository, workflow, close: () => store.close() };
}

function sink() {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { out, text: () => chunks.join('') };
}

describe('nexural automations', () => {
  it('list by --owner or --api-key as a table; a wrong key or both identities are refused by name', async () => {
    const f = await fixture();
    try {
      const byOwner = sink();
      await printWorkflows(f.deps, { owner: 'alice' }, byOwner.out);
      const lines = byOwner.text().trimEnd().split('\n');
      expect(lines[0]).toMatch(/^id\s+name\s+enabled\s+trigger\s+steps\s+created \(UTC\)$/);
      expect(lines[1]).toContain('wf-open');
      expect(lines[1]).toContain('schedule 0 9 * * 1-5 Europe/Berlin');
      expect(lines[1]).toContain('ping:http');

      const byKey = sink();
      await printWorkflows(f.deps, { apiKey: f.key }, byKey.out);
      expect(byKey.text()).toBe(byOwner.text());

      const bob = sink();
      await printWorkflows(f.deps, { owner: 'bob' }, bob.out);
      expect(bob.text()).toContain('no automations for bob');

      await expect(printWorkflows(f.deps, { apiKey: 'nxr_wrong' }, sink().out)).rejects.toMatchObject({
        code: 'NXR_UNAUTHENTICATED',
        message: expect.stringContaining('--api-key nxr_wron'),
      });
      await expect(printWorkflows(f.deps, {}, sink().out)).rejects.toMatchObject({
        code: 'NXR_CONFIG_INVALID',
      });
      await expect(
        printWorkflows(f.deps, { owner: 'alice', apiKey: f.key }, sink().out),
      ).rejects.toMatchObject({ code: 'NXR_CONFIG_INVALID' });
    } finally {
      await f.close();
    }
  }, 60_000);

  it("runs: each step's status and response code; another owner's workflow and a bad --limit are named", async () => {
    const f = await fixture();
    try {
      const { run } = await f.repository.startRun(
        f.workflow,
        { id: 'schedule.1', time: Date.UTC(2024, 7, 5, 7), fields: {} },
        'run-1',
        Date.UTC(2024, 7, 5, 7),
      );
      await f.repository.updateStep(run.id, 0, {
        status: 'dead',
        attempts: 5,
        durationMs: 12,
        responseCode: 503,
        error: 'HTTP 503',
      });
      await f.repository.finishRun(run.id, 'dead', Date.UTC(2024, 7, 5, 7, 1));
      const out = sink();
      await printRuns(f.deps, { owner: 'alice' }, 'wf-open', '20', out.out);
      expect(out.text()).toMatch(
        /run-1\s+dead\s+2024-08-05 07:00:00\s+schedule\.1\s+ping=dead\(503\)×5\s+HTTP 503/,
      );
      // a backtest/replay step's output (sql/0023 response) follows its status; an update without it keeps it
      const second = await f.repository.startRun(
        f.workflow,
        { id: 'schedule.2', time: Date.UTC(2024, 7, 6, 7), fields: {} },
        'run-2',
        Date.UTC(2024, 7, 6, 7),
      );
      const outDir = '/data/automation/backtests/auto-x';
      await f.repository.updateStep(second.run.id, 0, {
        status: 'succeeded',
        attempts: 1,
        durationMs: 40,
        responseCode: null,
        response: { runId: 'auto-x', outDir, trades: 3 },
        error: null,
      });
      await f.repository.updateStep(second.run.id, 0, {
        status: 'succeeded',
        attempts: 1,
        durationMs: 40,
        responseCode: null,
        error: null,
      });
      expect((await f.repository.run('run-2'))?.steps[0]?.response).toEqual({
        runId: 'auto-x',
        outDir,
        trades: 3,
      });
      const again = sink();
      await printRuns(f.deps, { owner: 'alice' }, 'wf-open', '20', again.out);
      expect(again.text()).toContain(`ping=succeeded → ${outDir}`);

      await expect(printRuns(f.deps, { owner: 'bob' }, 'wf-open', '20', sink().out)).rejects.toMatchObject({
        code: 'NXR_NOT_FOUND',
        message: expect.stringContaining('wf-open'),
      });
      await expect(printRuns(f.deps, { owner: 'alice' }, 'wf-open', 'ten', sink().out)).rejects.toMatchObject(
        { code: 'NXR_CONFIG_INVALID', message: expect.stringContaining('--limit ten') },
      );
    } finally {
      await f.close();
    }
  }, 60_000);

  it('dry-run: every scheduled run of a past week with its templated step, nothing stored', async () => {
    const f = await fixture();
    try {
      const out = sink();
      // Mon 2024-08-05 → Mon 2024-08-12 (UTC): five weekday opens at 09:00 Berlin = 07:00 UTC
      await printDryRun(
        f.deps,
        { owner: 'alice' },
        'wf-open',
        { from: '2024-08-05T00:00:00Z', to: '2024-08-12T00:00:00Z' },
        out.out,
      );
      const text = out.text();
      expect(text).toContain('5 runs (nothing sent)');
      expect(text.match(/^2024-08-\d\d 07:00:00 /gm)).toHaveLength(5);
      expect(text).toContain('POST http://127.0.0.1:9/ping');
      expect(text).toContain('at 2024-08-09T07:00:00.000Z');
      expect(await f.repository.runs('alice', 'wf-open', 10)).toEqual([]);

      await expect(
        printDryRun(f.deps, { owner: 'alice' }, 'wf-open', { from: 'last week' }, sink().out),
      ).rejects.toMatchObject({
        code: 'NXR_CONFIG_INVALID',
        message: expect.stringContaining('--from last week'),
      });
    } finally {
      await f.close();
    }
  }, 60_000);
});
