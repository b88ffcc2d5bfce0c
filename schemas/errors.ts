/**
 * One table of every error Nexural raises on purpose. Codes are stable: users grep logs and DLQ records for
 * them, and dashboards count them. `retryable` says whether doing the same thing again can succeed.
 */
export const errorCodes = {
  NXR_CONFIG_INVALID: { retryable: false, summary: 'an environment variable or option has a bad value' },
  NXR_SCHEMA_INVALID: { retryable: false, summary: 'a record does not match its schema' },
  NXR_PARSE_FAILED: { retryable: false, summary: 'a record or file line could not be parsed' },
  NXR_BAD_VALUE: {
    retryable: false,
    summary: 'a value is out of range (negative, NaN, infinite, absurd time)',
  },
  NXR_DUPLICATE: { retryable: false, summary: 'a record was already seen (same trade id)' },
  NXR_LATE_TICK: {
    retryable: false,
    summary: 'a tick arrived after its bar was final and the grace period passed',
  },
  NXR_FUTURE_TICK: {
    retryable: false,
    summary:
      'a tick is further ahead of its log time than the allowed clock skew (NEXURAL_MAX_FUTURE_SKEW_MS)',
  },
  NXR_UNKNOWN_INDICATOR: { retryable: false, summary: 'an indicator spec names no registered indicator' },
  NXR_INDICATOR_PARAMS: { retryable: false, summary: 'an indicator spec has bad parameters' },
  NXR_RULE_INVALID: { retryable: false, summary: 'an alert rule is not valid' },
  NXR_FILE_INVALID: { retryable: false, summary: 'an input file is malformed' },
  NXR_SCHEMA_INCOMPATIBLE: { retryable: false, summary: 'a schema change breaks subject compatibility' },
  NXR_FENCED: { retryable: false, summary: 'a newer producer took over this transactional id' },
  NXR_GROUP_MOVED: {
    retryable: false,
    summary: 'offsets of a past group generation or of a member the group no longer has were refused',
  },
  NXR_SERVICE_UNAVAILABLE: {
    retryable: true,
    summary: 'a service (Kafka, database, Redis, registry) cannot be reached',
  },
  NXR_TIMEOUT: { retryable: true, summary: 'an operation did not finish in time' },
  NXR_MIGRATION_MISMATCH: {
    retryable: false,
    summary: 'an applied database migration was changed or is unknown',
  },
  NXR_UNAUTHENTICATED: { retryable: false, summary: 'a request carries no valid API key or session token' },
  NXR_FORBIDDEN: { retryable: false, summary: 'the key or session lacks the permission the request needs' },
  NXR_NOT_FOUND: { retryable: false, summary: 'no such route or resource (or it belongs to another user)' },
  NXR_CONFLICT: { retryable: false, summary: 'the resource already exists' },
  NXR_RATE_LIMITED: { retryable: true, summary: 'too many requests for this key; retry after Retry-After' },
  NXR_TOO_LARGE: { retryable: false, summary: 'a request body or message exceeds its size limit' },
  NXR_SLOW_CONSUMER: { retryable: true, summary: 'a live subscriber fell too far behind and was dropped' },
  NXR_CONSUMER_FAILED: {
    retryable: false,
    summary: "a consumer's handler kept failing on a record; the record went to the dead-letter topic",
  },
  NXR_PLAN_REQUIRED: {
    retryable: false,
    summary: "the user's plan lacks the feature; details.requiredPlan names the plan that includes it",
  },
  NXR_QUOTA_EXCEEDED: {
    retryable: false,
    summary: "a quota of the user's plan is used up; details.requiredPlan names the plan that allows more",
  },
  NXR_BILLING_NOT_CONFIGURED: {
    retryable: false,
    summary: 'billing routes need STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET',
  },
  NXR_SIGNATURE_INVALID: {
    retryable: false,
    summary: 'a webhook signature is missing, wrong or too old; nothing was changed',
  },
  NXR_STEP_FAILED: {
    retryable: true,
    summary: 'an automation step failed (network error, 5xx, 408 or 429); it is retried with backoff',
  },
  NXR_STEP_REJECTED: {
    retryable: false,
    summary:
      'an automation step was refused for good (a 4xx answer, or nothing set up to run it); dead letter at once',
  },
  NXR_INTERNAL: { retryable: true, summary: 'an unexpected server error (details only in the server log)' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class NexuralError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'NexuralError';
    this.code = code;
    this.retryable = errorCodes[code].retryable;
    this.details = Object.freeze({ ...details });
  }
}

export const isNexuralError = (error: unknown): error is NexuralError => error instanceof NexuralError;
