import { createHash } from 'node:crypto';
import type { AlertEvent } from '../../schemas/alert-event.js';
import type { EffectLedger, EffectResult, EffectSource } from '../../schemas/ports/effect-ledger.js';
import { formatPrice, isoTime } from './market-data.js';

/** Where an alert goes: a guild channel, or a user's DMs. */
export type DeliveryTarget =
  | { readonly kind: 'channel'; readonly channelId: string; readonly route: string }
  | { readonly kind: 'dm'; readonly userId: string };

export const targetKey = (target: DeliveryTarget): string =>
  target.kind === 'channel' ? `route:${target.route}` : `dm:${target.userId}`;

/** A message body as stored in the ledger before it is sent (so a resend is byte-identical). */
export interface AlertMessage {
  readonly content: string;
  readonly embeds: readonly Record<string, EffectResult>[];
  readonly alertIds: readonly string[];
}

/** Posts a message with a nonce Discord de-duplicates on (enforce_nonce); returns the message id. */
export interface AlertSender {
  send(target: DeliveryTarget, message: AlertMessage, nonce: string): Promise<string>;
}

export interface DeliveryOptions {
  /** alerts of one target within one batch that share a message (Discord allows 10 embeds) */
  readonly maxAlertsPerMessage: number;
  /** least time between two messages to one target (a burst waits, then goes as one message) */
  readonly minIntervalMs: number;
}

export interface AlertToDeliver {
  readonly event: Extract<AlertEvent, { kind: 'fired' }>;
  readonly targets: readonly DeliveryTarget[];
  readonly source?: EffectSource;
}

function alertEmbed(event: AlertToDeliver['event']): Record<string, EffectResult> {
  return {
    title: `${event.symbol} ${event.condition.operator.replaceAll('_', ' ')}`,
    description: event.message,
    fields: [
      { name: 'value', value: formatPrice(event.current), inline: true },
      { name: 'before', value: event.previous === null ? '—' : formatPrice(event.previous), inline: true },
      { name: 'rule', value: `${event.ruleId} · ${event.venue} ${event.interval}`, inline: true },
    ],
    footer: { text: `alert ${event.id} · /why ${event.id}` },
    timestamp: new Date(event.time).toISOString(),
  };
}

const nonceOf = (messageKey: string) => createHash('sha256').update(messageKey).digest('hex').slice(0, 25);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Delivers fired alerts, each to each of its targets exactly once. Two ledger steps: (1) the alerts of a target
 * (a route by name, so moving a route to another channel re-sends nothing) are grouped into messages and every grouping is recorded — the message body under `msg:<target>:<first id>`
 * and each alert under `alert:<target>:<id>` pointing at it — in one durable write, with no call out; (2) each
 * recorded message is sent under `send:<message key>` with a nonce from that key (Discord drops a second
 * message with the same nonce), so a crash between the post and the ledger write re-posts nothing. A
 * redelivered alert already grouped is never grouped again; its message is sent if it was not yet.
 */
export function createAlertDelivery(ledger: EffectLedger, sender: AlertSender, options: DeliveryOptions) {
  const lastSent = new Map<string, number>();

  async function sendRecorded(target: DeliveryTarget, messageKey: string, source?: EffectSource) {
    const stored = await ledger.get(messageKey);
    if (stored?.state !== 'done') return;
    const message = stored.result as unknown as AlertMessage;
    const key = targetKey(target);
    const wait = (lastSent.get(key) ?? 0) + options.minIntervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    await ledger.perform(
      `send:${messageKey}`,
      async () => {
        await sender.send(target, message, nonceOf(messageKey));
        return 'posted';
      },
      source,
    );
    lastSent.set(key, Date.now());
  }

  return {
    async deliver(alerts: readonly AlertToDeliver[]): Promise<number> {
      const byTarget = new Map<string, { target: DeliveryTarget; items: AlertToDeliver[] }>();
      for (const alert of alerts) {
        for (const target of alert.targets) {
          const group = byTarget.get(targetKey(target)) ?? { target, items: [] };
          group.items.push(alert);
          byTarget.set(targetKey(target), group);
        }
      }
      let sent = 0;
      for (const [key, { target, items }] of byTarget) {
        // Messages grouped before a crash go first, then the fresh alerts chunk by chunk (grouped, then sent),
        // so the ledger's effects follow the records' offsets.
        const resent = new Set<string>();
        const fresh: AlertToDeliver[] = [];
        for (const item of items) {
          const earlier = await ledger.get(`alert:${key}:${item.event.id}`);
          if (earlier?.state === 'done') {
            const messageKey = (earlier.result as { message: string }).message;
            if (resent.has(messageKey)) continue;
            resent.add(messageKey);
            await sendRecorded(target, messageKey, item.source);
            sent += 1;
          } else if (!fresh.some((other) => other.event.id === item.event.id)) fresh.push(item);
        }
        for (let start = 0; start < fresh.length; start += options.maxAlertsPerMessage) {
          const chunk = fresh.slice(start, start + options.maxAlertsPerMessage);
          const first = chunk[0];
          if (!first) continue;
          const messageKey = `msg:${key}:${first.event.id}`;
          const message: AlertMessage = {
            content: chunk.length > 1 ? `${chunk.length} alerts` : '',
            embeds: chunk.map((item) => alertEmbed(item.event)),
            alertIds: chunk.map((item) => item.event.id),
          };
          await ledger.performBatch<EffectResult>([
            {
              effectKey: messageKey,
              effect: async () => message as unknown as EffectResult,
              source: first.source,
            },
            ...chunk.map((item) => ({
              effectKey: `alert:${key}:${item.event.id}`,
              effect: async () => ({ message: messageKey }),
              source: item.source,
            })),
          ]);
          await sendRecorded(target, messageKey, first.source);
          sent += 1;
        }
      }
      return sent;
    },
  };
}

/** A one-line summary for logs: which alert went where. */
export const describeAlert = (event: AlertToDeliver['event']): string =>
  `${event.id} ${event.venue}:${event.symbol} at ${isoTime(event.time)}`;
