import type {} from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { AlertFanout } from '../../schemas/ports/alert-fanout.js';
import type { LiveMarketFeed } from '../../schemas/ports/live-market.js';
import type { StoreReader } from '../../schemas/ports/store.js';
import type { PlanEnforcer } from '../billing/plan-enforcer.js';
import { LiveSession } from '../live/live-session.js';
import { principalOf } from '../plugins/auth.js';

export interface LiveRoutesOptions {
  readonly live: LiveMarketFeed | null;
  readonly fanout: AlertFanout;
  readonly store: StoreReader;
  readonly maxBufferedBytes: number;
  readonly maxSubscriptions: number;
  readonly plans: PlanEnforcer;
  readonly now: () => number;
}

const HEARTBEAT_MS = 30_000;

/**
 * `GET /v1/live` (WebSocket): subscribe to bars, indicator values and your alerts per symbol. Browsers pass
 * the session token as `?token=`. Messages are JSON: see `liveClientMessageSchema` (schemas/api.ts).
 */
export async function liveRoutes(app: FastifyInstance, options: LiveRoutesOptions): Promise<void> {
  // the plan is read before the upgrade, so no message of the socket arrives before its delay is known
  const delays = new WeakMap<object, number>();
  app.get(
    '/live',
    {
      websocket: true,
      config: { tokenInQuery: true },
      preHandler: async (request) => {
        const entitlements = await options.plans.entitlementsOf(principalOf(request).owner);
        delays.set(request, entitlements?.dataDelayMs ?? 0);
      },
      schema: {
        tags: ['live'],
        summary: 'WebSocket: live bars, indicator values and your alerts, with resume after reconnect',
        description:
          'Send {"op":"subscribe","id":"b1","channel":"bars","venue":"binance","symbol":"BTCUSDT","interval":"1m"} ' +
          '(channels bars, indicators, alerts; bars take sinceOpenTime, alerts take resumeAfter = the last ' +
          'deliveryId seen). A client that cannot keep up is closed with 1013 and reason NXR_SLOW_CONSUMER.',
      },
    },
    (socket, request) => {
      const session = new LiveSession({
        socket,
        owner: principalOf(request).owner,
        live: options.live,
        fanout: options.fanout,
        store: options.store,
        maxBufferedBytes: options.maxBufferedBytes,
        maxSubscriptions: options.maxSubscriptions,
        delayMs: delays.get(request) ?? 0,
        now: options.now,
        onDrop: (reason) => request.log.warn({ owner: request.principal?.owner }, reason),
      });
      // A peer that vanished without a close frame stops answering pings: end it and its subscriptions.
      let alive = true;
      socket.on('pong', () => {
        alive = true;
      });
      const heartbeat = setInterval(() => {
        if (!alive) socket.terminate();
        alive = false;
        socket.ping();
      }, HEARTBEAT_MS);
      heartbeat.unref();
      socket.on('message', (data, isBinary) => {
        session.receive(isBinary ? '' : data.toString());
      });
      socket.on('close', () => {
        clearInterval(heartbeat);
        session.close();
      });
    },
  );
}
