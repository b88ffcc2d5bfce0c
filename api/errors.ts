import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorEnvelope } from '../schemas/api.js';
import { type ErrorCode, errorCodes, isNexuralError, NexuralError } from '../schemas/errors.js';

/**
 * The HTTP status of each NXR_* code. A code missing here answers 503 when retryable and 400 otherwise, so a
 * code another part of Nexural adds later still gets a sensible status.
 */
export const httpStatusOf: Partial<Record<ErrorCode, number>> = {
  NXR_CONFIG_INVALID: 500,
  NXR_SCHEMA_INVALID: 400,
  NXR_PARSE_FAILED: 400,
  NXR_BAD_VALUE: 400,
  NXR_DUPLICATE: 409,
  NXR_UNKNOWN_INDICATOR: 400,
  NXR_INDICATOR_PARAMS: 400,
  NXR_RULE_INVALID: 400,
  NXR_SCHEMA_INCOMPATIBLE: 500,
  NXR_MIGRATION_MISMATCH: 500,
  NXR_SERVICE_UNAVAILABLE: 503,
  NXR_TIMEOUT: 504,
  NXR_UNAUTHENTICATED: 401,
  NXR_FORBIDDEN: 403,
  NXR_NOT_FOUND: 404,
  NXR_CONFLICT: 409,
  NXR_RATE_LIMITED: 429,
  NXR_TOO_LARGE: 413,
  NXR_SLOW_CONSUMER: 503,
  NXR_PLAN_REQUIRED: 402,
  NXR_QUOTA_EXCEEDED: 429,
  NXR_BILLING_NOT_CONFIGURED: 503,
  NXR_SIGNATURE_INVALID: 400,
  NXR_INTERNAL: 500,
};

export const statusOf = (code: ErrorCode): number =>
  httpStatusOf[code] ?? (errorCodes[code].retryable ? 503 : 400);

export const envelopeOf = (error: NexuralError): ErrorEnvelope => ({
  error: { code: error.code, message: error.message, details: { ...error.details } },
});

/** Fastify's own 4xx errors (body parsing, content type, size) by their FST_ code. */
const fastifyCodes: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'NXR_TOO_LARGE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'NXR_PARSE_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'NXR_PARSE_FAILED',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'NXR_BAD_VALUE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'NXR_BAD_VALUE',
  FST_ERR_CTP_INVALID_TYPE: 'NXR_BAD_VALUE',
  FST_ERR_CTP_INVALID_CHARSET: 'NXR_BAD_VALUE',
  FST_ERR_NOT_FOUND: 'NXR_NOT_FOUND',
};

/** The code of a plugin's 4xx (e.g. @fastify/static's 403 for a path escaping its root) without an FST_ code. */
const statusCodes: Readonly<Record<number, ErrorCode>> = {
  401: 'NXR_UNAUTHENTICATED',
  403: 'NXR_FORBIDDEN',
  404: 'NXR_NOT_FOUND',
  409: 'NXR_CONFLICT',
  413: 'NXR_TOO_LARGE',
  429: 'NXR_RATE_LIMITED',
};

/** Any thrown value as the NexuralError the client sees; unexpected ones become NXR_INTERNAL, stack kept out. */
export function toNexuralError(error: unknown): { readonly error: NexuralError; readonly status: number } {
  if (isNexuralError(error)) return { error, status: statusOf(error.code) };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((issue) => {
      const where = `${error.validationContext ?? 'request'}${issue.instancePath.replaceAll('/', '.')}`;
      return { path: where, message: issue.message ?? 'is invalid' };
    });
    const text = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    const nexural = new NexuralError('NXR_SCHEMA_INVALID', `invalid request: ${text}`, {
      path: issues[0]?.path ?? null,
      issues,
    });
    return { error: nexural, status: 400 };
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code: ErrorCode =
      (fastifyError.code ? fastifyCodes[fastifyError.code] : undefined) ??
      statusCodes[status] ??
      'NXR_BAD_VALUE';
    return { error: new NexuralError(code, fastifyError.message ?? 'bad request'), status };
  }
  return {
    error: new NexuralError('NXR_INTERNAL', 'internal error; the server log has the details'),
    status: 500,
  };
}

/** The one error handler: every failure leaves as `{error: {code, message, details}}`. */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { error: nexural, status } = toNexuralError(error);
  if (status >= 500) request.log.error({ err: error, reqId: request.id }, 'request failed');
  void reply
    .code(status)
    .type('application/json')
    .send(JSON.stringify(envelopeOf(nexural)));
}
