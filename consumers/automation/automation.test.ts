import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { pgliteSqlClient } from '../../api/adapters/sql-client.js';
import { bearer, openApiHarness } from '../../api/testing/api-harness.js';
import type { WorkflowRun } from '../../schemas/automation.js';
import { automationService } from './service.js';
import { openAutomationOnPglite } from './testing/automation-on-pglite.js';
import { startHookReceiver } from './testing/hook-receiver.js';

async function suite() {
  const { pglite, store, repository, jobs, runner } = await openAutomationOnPglite();
  const automations = automationService({ repository, runner, reader: store });
  await jobs.start();
  const harness = await openApiHarness(
    async () => ({ store, sql: pgliteSqlClient(pglite), destroy: () => store.close() }),
    { automations },
  );
  const settled = async (runId: string): Promise<WorkflowRun> => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      const run = await repository.run(runId);
      if (run && run.status !== 'running') return run;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`run ${runId} did not settle`);
  };
  return {
    app: harness.app,
    key: harness.keys.alice,
    bob: harness.keys.bob,
    repository,
    settled,
    async close() {
      await jobs.close();
      await harness.close();
    },
  };
}

const signed = (secret: string, id: string, at: Date, body: string) => ({
  'content-type': 'application/json',
  'webhook-id': id,
  'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
  'webhook-signature': new Webhook(secret).sign(id, at, body),
});

describe('automation suite', () => {
  it('inbound signed hook → outbound Standard Webhooks verified by the standardwebhooks package; bad or old signatures → 401, nothing runs', async () => {
    const s = await suite();
    const receiver = await startHookReceiver(null);
    try {
      const created = await s.app.inject({
        method: 'POST',
        url: '/v1/automations',
        headers: bearer(s.key),
        payload: {
          name: 'relay',
          trigger: { kind: 'webhook', auth: 'signature' },
          steps: [
            { kind: 'webhook', name: 'notify', url: `${receiver.url}/signed` },
            { kind: 'http', name: 'plain', url: `${receiver.url}/plain`, body: 'ticker={{trigger.ticker}}' },
          ],
          retry: { attempts: 3, backoffMs: 10 },
        },
      });
      expect(created.statusCode).toBe(201);
      const workflow = created.json();
      expect(workflow.secret).toMatch(/^whsec_/);
      const body = JSON.stringify({ ticker: 'BTCUSDT', price: 61807.8 });

      const forged = await s.app.inject({
        method: 'POST',
        url: `/v1/hooks/${workflow.id}`,
        headers: signed('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg-1', new Date(), body),
        payload: body,
      });
      expect([forged.statusCode, forged.json().error.code]).toEqual([401, 'NXR_UNAUTHENTICATED']);
      const old = await s.app.inject({
        method: 'POST',
        url: `/v1/hooks/${workflow.id}`,
        headers: signed(workflow.secret, 'msg-1', new Date(Date.now() - 10 * 60_000), body),
        payload: body,
      });
      expect(old.statusCode).toBe(401);
      const tampered = await s.app.inject({
        method: 'POST',
        url: `/v1/hooks/${workflow.id}`,
        headers: signed(workflow.secret, 'msg-1', new Date(), body),
        payload: body.replace('BTCUSDT', 'ETHUSDT'),
      });
      expect(tampered.statusCode).toBe(401);
      expect(await s.repository.runs('alice', workflow.id, 10)).toEqual([]);
      expect(receiver.received).toEqual([]);

      const good = await s.app.inject({
        method: 'POST',
        url: `/v1/hooks/${workflow.id}`,
        headers: signed(workflow.secret, 'msg-1', new Date(), body),
        payload: body,
      });
      expect(good.statusCode).toBe(202);
      const run = await s.settled(good.json().runId);
      expect(run.status).toBe('succeeded');
      expect(run.steps.map((step) => [step.name, step.status, step.attempts, step.responseCode])).toEqual([
        ['notify', 'succeeded', 1, 204],
        ['plain', 'succeeded', 1, 204],
      ]);
      const [outbound, plain] = receiver.received;
      // an implementation nobody here wrote verifies our signature
      const payload = new Webhook(workflow.secret).verify(outbound?.body ?? '', outbound?.headers ?? {}) as {
        data: { event: { fields: { ticker: string } }; step: string };
      };
      expect(payload.data.event.fields.ticker).toBe('BTCUSDT');
      expect(outbound?.headers['webhook-id']).toBe(`automation:${run.id}.0`);
      expect(plain?.body).toBe('ticker=BTCUSDT');

      // the same delivery again (same webhook-id) starts nothing new
      const again = await s.app.inject({
        method: 'POST',
        url: `/v1/hooks/${workflow.id}`,
        headers: signed(workflow.secret, 'msg-1', new Date(), body),
        payload: body,
      });
      expect(again.json()).toEqual({ runId: run.id, duplicate: true });
      const runs = await s.app.inject({
        method: 'GET',
        url: `/v1/automations/${workflow.id}/runs`,
        headers: bearer(s.key),
      });
      expect(runs.json().items).toHaveLength(1);
      expect(
        (
          await s.app.inject({
            method: 'GET',
            url: `/v1/automations/${workflow.id}/runs`,
            headers: bearer(s.bob),
          })
        ).statusCode,
      ).toBe(404);
      expect(receiver.received).toHaveLength(2);
    } finally {
      await receiver.close();
      await s.close();
    }
  }, 240_000);

  it('retries with backoff, dead-letters after the last attempt, retries from the failed step only; token hooks; dry-run of a schedule', async () => {
    const s = await suite();
    const receiver = await startHookReceiver(null);
    try {
      const workflow = (
        await s.app.inject({
          method: 'POST',
          url: '/v1/automations',
          headers: bearer(s.key),
          payload: {
            name: 'tradingview',
            trigger: { kind: 'webhook', auth: 'token' },
            steps: [
              { kind: 'http', name: 'first', url: `${receiver.url}/first` },
              { kind: 'http', name: 'second', url: `${receiver.url}/second` },
            ],
            retry: { attempts: 2, backoffMs: 10 },
          },
        })
      ).json();
      const wrongToken = await s.app.inject({
        method: 'POST',
        url: `/v1/hooks/${workflow.id}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ token: 'whsec_not-it', ticker: 'ETHUSDT' }),
      });
      expect(wrongToken.statusCode).toBe(401);
      receiver.status = 503;
      const accepted = await s.app.inject({
        method: 'POST',
        url: `/v1/hooks/${workflow.id}`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ token: workflow.secret, ticker: 'ETHUSDT' }),
      });
      expect(accepted.statusCode).toBe(202);
      const dead = await s.settled(accepted.json().runId);
      expect(dead.status).toBe('dead');
      expect(dead.steps[0]).toMatchObject({ status: 'dead', attempts: 2, responseCode: 503 });
      expect(dead.steps[0]?.error).toContain('answered 503');
      expect(dead.steps[1]?.status).toBe('pending');
      const letters = await s.app.inject({
        method: 'GET',
        url: '/v1/automations/dead-letters',
        headers: bearer(s.key),
      });
      expect(letters.json().items.map((run: WorkflowRun) => run.id)).toEqual([dead.id]);

      receiver.status = 200;
      const retried = await s.app.inject({
        method: 'POST',
        url: `/v1/automations/runs/${dead.id}/retry`,
        headers: bearer(s.key),
      });
      expect(retried.statusCode).toBe(200);
      const done = await s.settled(dead.id);
      expect(done.status).toBe('succeeded');
      expect(done.steps.map((step) => [step.status, step.attempts])).toEqual([
        ['succeeded', 3],
        ['succeeded', 1],
      ]);
      expect(receiver.received.map((hook) => hook.path)).toEqual(['/first', '/first', '/first', '/second']);

      const daily = (
        await s.app.inject({
          method: 'POST',
          url: '/v1/automations',
          headers: bearer(s.key),
          payload: {
            name: 'morning',
            trigger: { kind: 'schedule', cron: '0 9 * * 1-5', timeZone: 'Europe/Berlin' },
            steps: [
              { kind: 'http', name: 'ping', url: `${receiver.url}/ping`, body: 'at {{trigger.scheduledAt}}' },
            ],
          },
        })
      ).json();
      const sent = receiver.received.length;
      const plan = await s.app.inject({
        method: 'POST',
        url: `/v1/automations/${daily.id}/dry-run`,
        headers: bearer(s.key),
        payload: { from: '2026-10-19T00:00:00Z', to: '2026-10-26T00:00:00Z' },
      });
      // Mon–Fri 09:00 Berlin in the week of the end of summer time: 07:00Z (CEST)
      expect(
        plan.json().runs.map((run: { event: { time: number } }) => new Date(run.event.time).toISOString()),
      ).toEqual([
        '2026-10-19T07:00:00.000Z',
        '2026-10-20T07:00:00.000Z',
        '2026-10-21T07:00:00.000Z',
        '2026-10-22T07:00:00.000Z',
        '2026-10-23T07:00:00.000Z',
      ]);
      expect(plan.json().runs[0].steps[0]).toMatchObject({
        runs: true,
        content: 'at 2026-10-19T07:00:00.000Z',
      });
      expect(receiver.received.length).toBe(sent);
      expect(await s.repository.runs('alice', daily.id, 10)).toEqual([]);

      const invalid = await s.app.inject({
        method: 'POST',
        url: '/v1/automations',
        headers: bearer(s.key),
        payload: {
          name: 'x',
          trigger: { kind: 'webhook' },
          steps: [{ kind: 'http', name: 'a', url: 'ftp://x' }],
        },
      });
      expect([invalid.statusCode, invalid.json().error.code]).toEqual([400, 'NXR_BAD_VALUE']);
      expect(invalid.json().error.message).toMatch(/^steps\.0\.url/);
    } finally {
      await receiver.close();
      await s.close();
    }
  }, 240_000);
});
