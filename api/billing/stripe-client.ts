import Stripe from 'stripe';

export interface StripeClientOptions {
  readonly secretKey: string;
  /** a local fake or stripe-mock instead of api.stripe.com, e.g. http://127.0.0.1:12111 */
  readonly apiUrl?: string;
  readonly timeoutMs?: number;
}

/** The real SDK; `apiUrl` only moves where its requests go (host, port, protocol). */
export function createStripeClient(options: StripeClientOptions): Stripe {
  const url = options.apiUrl === undefined ? null : new URL(options.apiUrl);
  return new Stripe(options.secretKey, {
    maxNetworkRetries: 2,
    timeout: options.timeoutMs ?? 20_000,
    ...(url
      ? {
          host: url.hostname,
          port: url.port || (url.protocol === 'https:' ? 443 : 80),
          protocol: url.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}
