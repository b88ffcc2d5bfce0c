import { describe, expect, it } from 'vitest';
import { isNexuralError } from '../../../../schemas/errors.js';
import { fromKafkaError } from './kafka-errors.js';

/** Shapes of kafkajs 2.2.4 errors (src/errors.js): retries exhausted wrap the cause. */
const protocolError = (type: string) =>
  Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type });
const retriesExhausted = (cause: Error) =>
  Object.assign(new Error(cause.message), { name: 'KafkaJSNumberOfRetriesExceeded', cause });

describe('fromKafkaError', () => {
  it.each([
    ['PRODUCER_FENCED', 'NXR_FENCED'],
    ['INVALID_PRODUCER_EPOCH', 'NXR_FENCED'],
    ['UNKNOWN_TOPIC_OR_PARTITION', 'NXR_CONFIG_INVALID'],
  ])('maps a %s protocol error, even wrapped by exhausted retries, to %s', (type, code) => {
    const mapped = fromKafkaError(retriesExhausted(protocolError(type)), 'committing');
    expect(isNexuralError(mapped) && mapped.code).toBe(code);
    expect(String(mapped)).toContain('committing');
  });

  it('maps an unreachable broker to the retryable NXR_SERVICE_UNAVAILABLE', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      name: 'KafkaJSConnectionError',
    });
    const mapped = fromKafkaError(retriesExhausted(refused), 'connecting');
    expect(isNexuralError(mapped) && [mapped.code, mapped.retryable]).toEqual([
      'NXR_SERVICE_UNAVAILABLE',
      true,
    ]);
  });

  it('returns an error it does not know unchanged, so a bug stays visible', () => {
    const bug = new TypeError('x is undefined');
    expect(fromKafkaError(bug, 'producing')).toBe(bug);
  });
});
