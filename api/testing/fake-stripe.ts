// Test support: a local fake of the few Stripe API endpoints Nexural calls, for the real stripe SDK to talk to.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

export interface FakeSubscription {
  id: string;
  object: 'subscription';
  customer: string;
  status: string;
  cancel_at_period_end: boolean;
  metadata: Record<string, string>;
  items: {
    object: 'list';
    data: { id: string; price: { id: string; lookup_key: string | null }; current_period_end: number }[];
  };
}

export interface FakeStripe {
  readonly url: string;
  /** requests served, as "METHOD /path" */
  readonly requests: string[];
  readonly customers: Map<string, { id: string; email: string | null; metadata: Record<string, string> }>;
  readonly checkoutSessions: Map<
    string,
    { id: string; customer: string; client_reference_id: string; price: string }
  >;
  readonly subscriptions: Map<string, FakeSubscription>;
  /** what the customer's payment does to the subscription Stripe holds */
  subscribe(sessionId: string, status: string): FakeSubscription;
  setStatus(subscriptionId: string, status: string, changes?: Partial<FakeSubscription>): FakeSubscription;
  /** a webhook event as Stripe would send it; `createdAt` in ms */
  event(type: string, object: object, createdAt?: number): { id: string; payload: string };
  /** signs a payload with the SDK's own test helper (timestamp in seconds; default now) */
  sign(payload: string, secret: string, timestamp?: number): string;
  close(): Promise<void>;
}

const prices = [
  {
    id: 'price_pro_monthly',
    object: 'price',
    lookup_key: 'pro_monthly',
    active: true,
    unit_amount: 2900,
    currency: 'usd',
  },
  {
    id: 'price_pro_yearly',
    object: 'price',
    lookup_key: 'pro_yearly',
    active: true,
    unit_amount: 29000,
    currency: 'usd',
  },
];

const readForm = async (request: IncomingMessage): Promise<URLSearchParams> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
};

const newId = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 14)}`;

export async function startFakeStripe(): Promise<FakeStripe> {
  const requests: string[] = [];
  const customers: FakeStripe['customers'] = new Map();
  const checkoutSessions: FakeStripe['checkoutSessions'] = new Map();
  const subscriptions: FakeStripe['subscriptions'] = new Map();
  const periodEnd = () => Math.floor(Date.now() / 1000) + 30 * 86_400;

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req') });
    response.end(JSON.stringify(body));
  };
  const missing = (response: ServerResponse, what: string) =>
    send(response, 404, {
      error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${what}` },
    });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    requests.push(`${request.method} ${url.pathname}`);
    if (request.headers.authorization?.startsWith('Bearer sk_test_') !== true) {
      return send(response, 401, {
        error: { type: 'invalid_request_error', message: 'Invalid API Key provided' },
      });
    }
    const form = request.method === 'POST' ? await readForm(request) : url.searchParams;
    if (request.method === 'POST' && url.pathname === '/v1/customers') {
      const metadata = Object.fromEntries(
        [...form]
          .filter(([key]) => key.startsWith('metadata['))
          .map(([key, value]) => [key.slice(9, -1), value]),
      );
      const customer = { id: newId('cus'), object: 'customer', email: form.get('email'), metadata };
      customers.set(customer.id, customer);
      return send(response, 200, customer);
    }
    if (request.method === 'GET' && url.pathname === '/v1/prices') {
      const keys = form.getAll('lookup_keys[0]').concat(form.getAll('lookup_keys[]'));
      const data = prices.filter((price) => keys.includes(price.lookup_key));
      return send(response, 200, { object: 'list', data, has_more: false, url: '/v1/prices' });
    }
    if (request.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      const customer = form.get('customer') ?? '';
      if (!customers.has(customer)) return missing(response, `customer: '${customer}'`);
      const session = {
        id: newId('cs_test'),
        customer,
        client_reference_id: form.get('client_reference_id') ?? '',
        price: form.get('line_items[0][price]') ?? '',
      };
      checkoutSessions.set(session.id, session);
      return send(response, 200, {
        ...session,
        object: 'checkout.session',
        mode: 'subscription',
        url: `https://checkout.stripe.test/c/pay/${session.id}`,
      });
    }
    if (request.method === 'POST' && url.pathname === '/v1/billing_portal/sessions') {
      const customer = form.get('customer') ?? '';
      if (!customers.has(customer)) return missing(response, `customer: '${customer}'`);
      return send(response, 200, {
        id: newId('bps'),
        object: 'billing_portal.session',
        customer,
        url: `https://billing.stripe.test/p/session/${customer}`,
        return_url: form.get('return_url'),
      });
    }
    const subscription = /^\/v1\/subscriptions\/([\w]+)$/.exec(url.pathname);
    if (request.method === 'GET' && subscription?.[1]) {
      const found = subscriptions.get(subscription[1]);
      return found ? send(response, 200, found) : missing(response, `subscription: '${subscription[1]}'`);
    }
    return send(response, 404, {
      error: {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${request.method}: ${url.pathname})`,
      },
    });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      send(response, 500, { error: { message: String(error) } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stripe = new Stripe('sk_test_fake_for_signatures');

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    customers,
    checkoutSessions,
    subscriptions,
    subscribe(sessionId, status) {
      const session = checkoutSessions.get(sessionId);
      if (!session) throw new Error(`no checkout session ${sessionId}`);
      const price = prices.find((candidate) => candidate.id === session.price);
      const created: FakeSubscription = {
        id: newId('sub'),
        object: 'subscription',
        customer: session.customer,
        status,
        cancel_at_period_end: false,
        metadata: { nexural_user: session.client_reference_id },
        items: {
          object: 'list',
          data: [
            {
              id: newId('si'),
              price: { id: session.price, lookup_key: price?.lookup_key ?? null },
              current_period_end: periodEnd(),
            },
          ],
        },
      };
      subscriptions.set(created.id, created);
      return created;
    },
    setStatus(subscriptionId, status, changes = {}) {
      const current = subscriptions.get(subscriptionId);
      if (!current) throw new Error(`no subscription ${subscriptionId}`);
      const next = { ...current, ...changes, status };
      subscriptions.set(subscriptionId, next);
      return next;
    },
    event(type, object, createdAt = Date.now()) {
      const id = newId('evt');
      const event = {
        id,
        object: 'event',
        api_version: '2026-11-18.endive',
        created: Math.floor(createdAt / 1000),
        type,
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        data: { object },
      };
      return { id, payload: JSON.stringify(event) };
    },
    sign: (payload, secret, timestamp) =>
      stripe.webhooks.generateTestHeaderString({
        payload,
        secret,
        ...(timestamp === undefined ? {} : { timestamp }),
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
