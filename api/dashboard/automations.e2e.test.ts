import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { automationService } from '../../consumers/automation/service.js';
import { openAutomationOnPglite } from '../../consumers/automation/testing/automation-on-pglite.js';
import { startHookReceiver } from '../../consumers/automation/testing/hook-receiver.js';
import { pgliteSqlClient } from '../adapters/sql-client.js';
import { bearer, openApiHarness } from '../testing/api-harness.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));

/** The automations page in headless Chromium against the API on PGlite with the embedded jobs adapter. */
describe('automations page end to end (headless Chromium)', () => {
  it('lists workflows and runs with step statuses; a dead letter retried from its failed step succeeds', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    const { pglite, store, repository, jobs, runner } = await openAutomationOnPglite();
    await jobs.start();
    const harness = await openApiHarness(
      async () => ({ store, sql: pgliteSqlClient(pglite), destroy: () => store.close() }),
      { automations: automationService({ repository, runner, reader: store }) },
    );
    // answers by path: /first 204, /second as `pathStatus.second` (503 until the test lets it through)
    const pathStatus = { second: 503 };
    const answer = { set: (_status: number) => {} };
    const receiver = await startHookReceiver(null, (hook) => {
      answer.set(hook.path === '/second' ? pathStatus.second : 204);
      return true;
    });
    answer.set = (status) => {
      receiver.status = status;
    };
    const url = await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    try {
      const created = await harness.app.inject({
        method: 'POST',
        url: '/v1/automations',
        headers: bearer(harness.keys.alice),
        payload: {
          name: 'TradingView relay',
          trigger: { kind: 'webhook', auth: 'token' },
          steps: [
            { kind: 'http', name: 'first', url: `${receiver.url}/first`, body: '{{trigger.ticker}}' },
            { kind: 'http', name: 'second', url: `${receiver.url}/second`, body: '{{trigger.ticker}}' },
          ],
          retry: { attempts: 1, backoffMs: 10 },
        },
      });
      expect(created.statusCode).toBe(201);
      const workflow = created.json();
      const hook = (ticker: string) =>
        harness.app.inject({
          method: 'POST',
          url: `/v1/hooks/${workflow.id}`,
          payload: { token: workflow.secret, ticker },
        });
      const accepted = await hook('BTCUSDT');
      expect(accepted.statusCode).toBe(202);
      const runId = accepted.json().runId as string;
      for (const deadline = Date.now() + 60_000; (await repository.run(runId))?.status !== 'dead'; ) {
        if (Date.now() > deadline) throw new Error('the run never went dead');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }

      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${url}/automations.html#key=${harness.keys.alice}`);
      await page.waitForSelector('#status:text("1 workflow(s), 1 dead letter(s)")');
      expect(await page.textContent(`#workflows tr[data-id="${workflow.id}"]`)).toContain(
        'first (http) → second (http)',
      );
      expect(await page.textContent(`#dead-letters tr[data-run="${runId}"]`)).toContain('second');
      await page.click(`#workflows tr[data-id="${workflow.id}"] button.show-runs`);
      await page.waitForSelector(`#runs tr[data-run="${runId}"].dead`);
      expect(
        await page.$$eval(`#runs tr[data-run="${runId}"] .step`, (chips) =>
          chips.map((chip) => chip.textContent),
        ),
      ).toEqual(['first: succeeded 204', 'second: dead 503']);

      pathStatus.second = 204;
      await page.click(`#dead-letters tr[data-run="${runId}"] button.retry`);
      // the page shows the run again after the retry; reload until it settled
      for (const deadline = Date.now() + 60_000; (await repository.run(runId))?.status !== 'succeeded'; ) {
        if (Date.now() > deadline) throw new Error('the retried run never succeeded');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await page.reload();
      await page.waitForSelector('#status:text("1 workflow(s), 0 dead letter(s)")');
      await page.click(`#workflows tr[data-id="${workflow.id}"] button.show-runs`);
      await page.waitForSelector(`#runs tr[data-run="${runId}"].succeeded`);
      expect(
        await page.$$eval(`#runs tr[data-run="${runId}"] .step`, (chips) =>
          chips.map((chip) => chip.textContent),
        ),
      ).toEqual(['first: succeeded 204', 'second: succeeded 204 ×2']);
      // retried from the failed step: the first step reached the receiver once
      expect(receiver.received.map((received) => received.path)).toEqual(['/first', '/second', '/second']);
      // a step that reports where its output went (a backtest step's run id and folder, sql/0023) shows it
      const recorded = await repository.startRun(
        workflow,
        { id: 'hook.recorded', time: Date.UTC(2024, 7, 6, 7), fields: {} },
        'run-with-output',
        Date.UTC(2024, 7, 6, 7),
      );
      await repository.updateStep(recorded.run.id, 0, {
        status: 'succeeded',
        attempts: 1,
        durationMs: 40,
        responseCode: null,
        response: { runId: 'auto-x', outDir: '/data/automation/backtests/auto-x', trades: 3 },
        error: null,
      });
      await page.reload();
      await page.waitForSelector('#status:text("1 workflow(s), 0 dead letter(s)")');
      await page.click(`#workflows tr[data-id="${workflow.id}"] button.show-runs`);
      const chip = `#runs tr[data-run="run-with-output"] .step[data-step="first"]`;
      await page.waitForSelector(chip);
      expect(await page.textContent(chip)).toBe('first: succeeded → auto-x');
      expect(await page.getAttribute(chip, 'title')).toBe('output: /data/automation/backtests/auto-x');
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'automations.png') });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      await jobs.close();
      await receiver.close();
      await harness.close();
    }
  }, 120_000);
});
