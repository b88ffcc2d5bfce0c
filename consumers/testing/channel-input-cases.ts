import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Registry } from 'prom-client';
import { expect, it } from 'vitest';
import { createEmbeddedLog } from '../../pipeline/runtime/log/embedded-log.js';
import { loadMigrations } from '../../pipeline/store/migration-files.js';
import { migrate } from '../../pipeline/store/migrator.js';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import { type AlertEvent, alertEventSchema } from '../../schemas/alert-event.js';
import type { AlertFanout } from '../../schemas/ports/alert-fanout.js';
import { type RunningConsumer, startConsumer } from '../consumer-runtime.js';
import { contractDecoders, contractTopics } from './contract-topics.js';
import { liveAlertEffectsConsumer } from './live-alert-effects.js';
import { readRecordedStream } from './recorded-stream.js';

export interface ChannelHarness {
  readonly fanout: AlertFanout;
  /** removes what the test's alerts left in the adapter (they are all of the owner `open` was given) */
  cleanup(): Promise<void>;
}

/** The recorded alerts of real trades, made this run's own: its owner, ids unique to the run. */
function runAlerts(owner: string): AlertEvent[] {
  return readRecordedStream()
    .filter((record) => record.input === 'alerts')
    .map((record) => {
      const event = alertEventSchema.parse(JSON.parse(record.value));
      return { ...event, owner, id: `${owner}:${event.id}` };
    });
}

async function until(done: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A fan-out channel as a consumer input (alertsLive), the same on every fan-out adapter. */
export function channelInputCases(open: (owner: string) => Promise<ChannelHarness>): void {
  it('alertsLive: a consumer restarted after a crash before its position was saved resumes — no alert lost, none twice', async () => {
    const owner = `owner-${randomUUID().slice(0, 8)}`;
    const harness = await open(owner);
    const pglite = await PGlite.create();
    await migrate(pgliteDatabase(pglite), await loadMigrations());
    const store = await openPgliteStore({ db: pglite });
    const log = createEmbeddedLog();
    const workDir = await mkdtemp(join(tmpdir(), 'nexural-channel-input-'));
    const path = join(workDir, 'lines.txt');
    const topics = contractTopics(randomUUID().slice(0, 8));
    await log.admin.createTopics(
      Object.values(topics).map((name) => ({ name, partitions: 1, compacted: false })),
    );
    const { decoders, deadLetters } = contractDecoders(topics);
    const ledgers = sqlEffectLedgerStore(pgliteDatabase(pglite));
    const ledger = ledgers.forConsumer(liveAlertEffectsConsumer.name);
    const ports = {
      log,
      decoders,
      deadLetters,
      ledgers,
      store,
      fanout: harness.fanout,
      jobs: null,
      metrics: new Registry(),
      logger: { info: () => {}, warn: () => {}, error: () => {} },
    };
    const start = () =>
      startConsumer(liveAlertEffectsConsumer, ports, {
        config: { path },
        channelFilter: { kind: 'owner', owner },
      });
    const lines = async () => (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const alerts = runAlerts(owner);
    expect(alerts.length).toBeGreaterThanOrEqual(20);
    const ids: string[] = [];
    const publish = async (events: readonly AlertEvent[]) => {
      for (const event of events) {
        const id = await harness.fanout.publish(event);
        if (id !== null) ids.push(id);
      }
    };
    let running: RunningConsumer | null = null;
    try {
      await publish(alerts.slice(0, 6)); // before the consumer ever ran: read from the kept history
      running = await start();
      await publish(alerts.slice(6, 12)); // live
      await until(async () => (await lines()).length === 12, '12 lines');
      await running.close();
      running = null;
      expect(await ledger.position('alertsLive')).toBe(ids[11]);
      // a crash after the effects of #9–#12 and before their position was saved: it still says #8
      await ledger.savePosition('alertsLive', ids[7] ?? '');
      await publish(alerts.slice(12, 17)); // while it is down
      running = await start();
      await publish(alerts.slice(17)); // live again
      await until(async () => (await ledger.position('alertsLive')) === ids.at(-1), 'the last position');
      expect(ids).toHaveLength(alerts.length);
      expect(await lines()).toEqual(alerts.map((event, i) => `${ids[i]} ${event.id}`));
      const effects = await ledger.list({ limit: 1_000 });
      expect(effects.map((entry) => entry.effectKey)).toEqual(alerts.map((event) => `alert:${event.id}`));
      expect(effects.every((entry) => entry.attempts === 1 && entry.result === 'appended')).toBe(true);
      expect(effects.map((entry) => entry.source?.offset)).toEqual(ids);
      expect(running.stats.handled).toBe(alerts.length - 8);
    } finally {
      await running?.close();
      await store.close().catch(() => {});
      await log.close();
      await harness.cleanup();
      await rm(workDir, { recursive: true, force: true });
    }
  }, 60_000);
}
