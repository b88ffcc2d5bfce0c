import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { PlanTable } from '../schemas/plans.js';
import type { AccountRepository } from '../schemas/ports/accounts.js';
import type { AlertFanout } from '../schemas/ports/alert-fanout.js';
import type { AutomationService } from '../schemas/ports/automations.js';
import type { EntitlementsReader } from '../schemas/ports/billing.js';
import type { CredentialRepository, PasswordResetSender } from '../schemas/ports/credentials.js';
import type { JobsReader } from '../schemas/ports/jobs.js';
import type { LiveMarketFeed } from '../schemas/ports/live-market.js';
import type { MarketExtrasReader, ReplayRunReader } from '../schemas/ports/market-extras.js';
import type {
  NewsletterArchive,
  NewsletterStudio,
  NewsletterSubscribers,
} from '../schemas/ports/newsletter.js';
import type { ResearchRepository } from '../schemas/ports/research.js';
import type { RoleHealthReader } from '../schemas/ports/role-health.js';
import type { RuleChangePublisher } from '../schemas/ports/rule-changes.js';
import type { RuleTester } from '../schemas/ports/rule-tester.js';
import type { AlertRuleRepository, StoreHealth, StoreReader } from '../schemas/ports/store.js';
import type { StrategyStore } from '../schemas/ports/strategies.js';
import type { BillingService } from './billing/billing-service.js';

/** The part of the store the API uses: reads, rules by owner, the research workspace, health. */
export type ApiStore = StoreReader &
  AlertRuleRepository &
  ResearchRepository & { health(): Promise<StoreHealth> };

/** One dependency /ready checks, e.g. the stream log or Redis; resolves with a reason when not ready. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<{ readonly ok: true } | { readonly ok: false; readonly error: string }>;
}

/** A number the pipeline keeps (ticks, lag, dead letters…), exported on /metrics when scraped. */
export interface PipelineMetric {
  /** Prometheus name, e.g. nexural_processor_lag_records */
  readonly name: string;
  readonly help: string;
  readonly kind: 'gauge' | 'counter';
  read(): number;
}

export interface ApiLimits {
  /** request body size limit (bytes); default 64 KiB */
  readonly bodyBytes?: number;
  /** a live socket whose unsent bytes exceed this is dropped (NXR_SLOW_CONSUMER); default 1 MiB */
  readonly liveBufferBytes?: number;
  /** subscriptions one socket may hold; default 32 */
  readonly liveSubscriptions?: number;
  /** largest WebSocket message a client may send (bytes); default 16 KiB */
  readonly liveMessageBytes?: number;
}

export interface RateLimitOptions {
  /** requests per window per API key (per IP without one); default 6000 */
  readonly max?: number;
  /** default 60 000 ms */
  readonly windowMs?: number;
  /** shared counters across API processes; absent = in-memory (embedded mode) */
  readonly redis?: Redis;
}

/** The newsletter's public routes (sign-up, confirm, unsubscribe, archive) and its preview. */
export interface ApiNewsletter {
  readonly subscribers: NewsletterSubscribers;
  readonly archive: NewsletterArchive;
  /** HMAC secret the unsubscribe links were signed with */
  readonly unsubscribeSecret: string;
  /** previews and sign-ups; null = those routes answer NXR_SERVICE_UNAVAILABLE */
  readonly studio: NewsletterStudio | null;
}

/** Plans and their enforcement, and Stripe when configured. */
export interface BillingDeps {
  readonly plans: PlanTable;
  readonly entitlements: EntitlementsReader;
  /** null = Stripe not configured: checkout, portal and the webhook answer 503 NXR_BILLING_NOT_CONFIGURED */
  readonly service: BillingService | null;
}

/** Everything buildApp needs, as ports: the adapters are chosen by whoever composes the process. */
export interface ApiDeps {
  readonly store: ApiStore;
  readonly accounts: AccountRepository;
  readonly extras: MarketExtrasReader;
  readonly replays: ReplayRunReader;
  /** background jobs of the caller (GET /v1/jobs); absent = that route answers NXR_SERVICE_UNAVAILABLE */
  readonly jobs?: JobsReader | null;
  readonly fanout: AlertFanout;
  /** live bars and indicators; null = the live channels answer NXR_SERVICE_UNAVAILABLE */
  readonly live: LiveMarketFeed | null;
  readonly rules: RuleChangePublisher;
  /** the caller's strategies and their paper trades (/v1/strategies); absent = those routes answer 503 */
  readonly strategies?: StrategyStore | null;
  /** runs a rule over stored history (POST /v1/rules/test); absent = that route answers 503 */
  readonly ruleTester?: RuleTester | null;
  /** e-mail + password accounts and sign-in sessions; absent = /v1/auth/* answer NXR_SERVICE_UNAVAILABLE */
  readonly credentials?: CredentialRepository | null;
  /** delivers password-reset links; absent = no link is sent (the request is still answered 202) */
  readonly passwordResets?: PasswordResetSender | null;
  /** the dashboard's public base URL (reset links); default http://127.0.0.1:8080 */
  readonly publicUrl?: string;
  /** sign-in session lifetime; default 7 days */
  readonly signInTtlMs?: number;
  /** workflows, runs, dry-runs and inbound hooks; absent = those routes answer NXR_SERVICE_UNAVAILABLE */
  readonly automations?: AutomationService | null;
  /** absent = no newsletter routes (404) */
  readonly newsletter?: ApiNewsletter | null;
  /** plans, entitlements and Stripe; absent = no plan is enforced (every user may do everything) */
  readonly billing?: BillingDeps | null;
  /** HMAC secret of session tokens (≥ 32 characters) */
  readonly jwtSecret: string;
  /** session token lifetime; default 1 h */
  readonly sessionTtlMs?: number;
  readonly rateLimit?: RateLimitOptions;
  readonly limits?: ApiLimits;
  readonly pipelineMetrics?: readonly PipelineMetric[];
  /** the roles this process runs (processor, sink, fan-out…): /ready is red while one is not `up` */
  readonly roles?: RoleHealthReader;
  /** dependencies /ready checks besides the store and the live feed */
  readonly readiness?: readonly ReadinessCheck[];
  /** how long identical market-data range reads are answered from memory; default 1000 ms, 0 = never */
  readonly rangeCacheMs?: number;
  /**
   * request logs: a pino logger (the process's, from pipeline/runtime/logging: level and redaction set there),
   * pino options, or false (default: none)
   */
  readonly logger?: boolean | { readonly level: string } | FastifyBaseLogger;
  readonly now?: () => number;
}
