import { describe, expect, it } from 'vitest';
import { parseEnv } from './env.js';
import { NexuralError } from './errors.js';

describe('parseEnv', () => {
  it('leaves service URLs unset so the embedded adapters are used', () => {
    const env = parseEnv({});
    expect(env.KAFKA_BROKERS).toBeUndefined();
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.API_HOST).toBe('127.0.0.1');
  });

  it('splits KAFKA_BROKERS into host:port entries', () => {
    expect(parseEnv({ KAFKA_BROKERS: '127.0.0.1:39092, kafka:9092' }).KAFKA_BROKERS).toEqual([
      '127.0.0.1:39092',
      'kafka:9092',
    ]);
  });

  it('names every bad variable and why', () => {
    let caught: unknown;
    try {
      parseEnv({ KAFKA_BROKERS: 'kafka', API_PORT: '70000', REDIS_URL: 'not a url' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NexuralError);
    const error = caught as NexuralError;
    expect(error.code).toBe('NXR_CONFIG_INVALID');
    expect(error.message).toContain('KAFKA_BROKERS.0: each broker must be host:port');
    expect(error.message).toContain('API_PORT');
    expect(error.message).toContain('REDIS_URL');
  });
});
