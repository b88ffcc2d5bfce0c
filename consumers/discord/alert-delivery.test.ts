import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteDatabase } from '../../pipeline/store/pglite-database.js';
import { openPgliteStore } from '../../pipeline/store/pglite-store.js';
import { sqlEffectLedgerStore } from '../../pipeline/store/sql-effect-ledger.js';
import { type AlertEvent, alertEventSchema } from '../../schemas/alert-event.js';
import type { EffectLedgerStore } from '../../schemas/ports/effect-ledger.js';
import { readRecordedStream } from '../testing/recorded-stream.js';
import { type AlertSender, createAlertDelivery } from './alert-delivery.js';
import { discordRestSender } from './discord-sender.js';
import { type FakeDiscord, nextSnowflake, startFakeDiscord } from './testing/fake-discord.js';

type Fired = Extract<AlertEvent, { kind: 'fired' }>;
const fired: Fired[] = readRecordedStream()
  .filter((record) => record.input === 'alerts')
  .map((record) => alertEventSchema.parse(JSON.parse(record.value)))
  .filter((event): event is Fired => event.kind === 'fired');

describe('alert delivery to Discord', () => {
  let discord: FakeDiscord;
  let ledgers: EffectLedgerStore;
  let close: () => Promise<void>;

  beforeAll(async () => {
    discord = await startFakeDiscord();
    const pglite = await PGlite.create();
    const store = await openPgliteStore({ db: pglite });
    await store.migrate();
    ledgers = sqlEffectLedgerStore(pgliteDatabase(pglite));
    close = () => store.close();
  }, 60_000);
  afterAll(async () => {
    await discord?.close();
    await close?.();
  });

  it('batches a burst to one channel into messages of 10 and sends each alert to the owner’s DMs once, also when the batch is delivered again', async () => {
    expect(fired.length).toBe(22);
    const channelId = nextSnowflake();
    const userId = nextSnowflake();
    const delivery = createAlertDelivery(
      ledgers.forConsumer(`discord-${channelId}`),
      discordRestSender({ token: discord.botToken, restApi: discord.restApi }),
      { maxAlertsPerMessage: 10, minIntervalMs: 0 },
    );
    const alerts = fired.map((event) => ({
      event,
      targets: [
        { kind: 'channel' as const, channelId, route: channelId },
        { kind: 'dm' as const, userId },
      ],
    }));
    expect(await delivery.deliver(alerts)).toBe(6);
    expect(await delivery.deliver(alerts)).toBe(6);
    const channel = discord.channelMessages.get(channelId) ?? [];
    expect(channel.map((message) => message.embeds.length)).toEqual([10, 10, 2]);
    expect(channel[0]?.content).toBe('10 alerts');
    expect(discord.alertIdsIn(channelId)).toEqual(fired.map((event) => event.id));
    const dmChannel = [...discord.channelMessages.keys()].find(
      (id) => id !== channelId && !id.startsWith('interaction:') && discord.alertIdsIn(id).length === 22,
    );
    expect(dmChannel).toBeDefined();
    const first = channel[0]?.embeds[0] as { fields: { name: string; value: string }[] };
    expect(first.fields[0]?.value).toBe(String(fired[0]?.current));
  });

  it('re-posts nothing when the process died after Discord took the message but before the ledger recorded it', async () => {
    const channelId = nextSnowflake();
    const ledger = ledgers.forConsumer(`discord-gap-${channelId}`);
    const rest = discordRestSender({ token: discord.botToken, restApi: discord.restApi });
    const dying: AlertSender = {
      async send(target, message, nonce) {
        await rest.send(target, message, nonce);
        throw new Error('process died before the done write');
      },
    };
    const alerts = fired
      .slice(0, 3)
      .map((event) => ({ event, targets: [{ kind: 'channel' as const, channelId, route: channelId }] }));
    await expect(
      createAlertDelivery(ledger, dying, { maxAlertsPerMessage: 10, minIntervalMs: 0 }).deliver(alerts),
    ).rejects.toThrow('died');
    await createAlertDelivery(ledger, rest, { maxAlertsPerMessage: 10, minIntervalMs: 0 }).deliver(alerts);
    expect(discord.channelMessages.get(channelId)?.length).toBe(1);
    expect(discord.alertIdsIn(channelId)).toEqual(fired.slice(0, 3).map((event) => event.id));
    const sendEntry = (await ledger.list()).find((entry) => entry.effectKey.startsWith('send:'));
    expect(sendEntry?.attempts).toBe(2);
  });

  it('waits out a 429 (handled by @discordjs/rest) and spaces messages to one target by minIntervalMs', async () => {
    const channelId = nextSnowflake();
    discord.rateLimitNext(`/channels/${channelId}/messages`, 1, 0.2);
    const delivery = createAlertDelivery(
      ledgers.forConsumer(`discord-429-${channelId}`),
      discordRestSender({ token: discord.botToken, restApi: discord.restApi }),
      { maxAlertsPerMessage: 1, minIntervalMs: 150 },
    );
    const started = Date.now();
    await delivery.deliver(
      fired
        .slice(0, 3)
        .map((event) => ({ event, targets: [{ kind: 'channel' as const, channelId, route: channelId }] })),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(200 + 2 * 150 - 20);
    expect(discord.alertIdsIn(channelId)).toEqual(fired.slice(0, 3).map((event) => event.id));
  });
});
