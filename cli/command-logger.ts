import {
  createLogger,
  type Logger,
  type LoggerSettings,
  redactUrl,
} from '../pipeline/runtime/logging/logger.js';
import type { Env } from '../schemas/env.js';

type LoggedEnv = Pick<
  Env,
  'NEXURAL_LOG_LEVEL' | 'KAFKA_BROKERS' | 'SCHEMA_REGISTRY_URL' | 'DATABASE_URL' | 'REDIS_URL'
>;

/**
 * The logger of a long-running command (JSON lines on stderr, pretty on a terminal, NEXURAL_LOG_LEVEL), with
 * a first line (debug) naming the services it uses — passwords in their URLs redacted.
 */
export function commandLogger(
  command: string,
  env: LoggedEnv,
  destination?: LoggerSettings['destination'],
): Logger {
  const logger = createLogger({
    level: env.NEXURAL_LOG_LEVEL,
    name: command,
    ...(destination === undefined ? {} : { destination }),
  });
  const optionalUrl = (url: string | undefined) => (url === undefined ? 'embedded' : redactUrl(url));
  // debug: stdout already says what the command runs, and a refused input stays one line on stderr
  logger.debug(
    {
      kafka: env.KAFKA_BROKERS?.join(',') ?? 'embedded',
      schemaRegistry:
        env.SCHEMA_REGISTRY_URL === undefined ? 'none (plain JSON)' : redactUrl(env.SCHEMA_REGISTRY_URL),
      database: optionalUrl(env.DATABASE_URL),
      redis: optionalUrl(env.REDIS_URL),
      pid: process.pid,
    },
    `nexural ${command} starting`,
  );
  return logger;
}

/** A role's health change as a log line: warn when it is not up. */
export function logRoleState(logger: Logger, role: string, state: { status: string; reason?: string }): void {
  const line = { role, status: state.status, ...(state.reason ? { reason: state.reason } : {}) };
  if (state.status === 'up' || state.status === 'starting') logger.info(line, `${role}: ${state.status}`);
  else logger.warn(line, `${role}: ${state.status}`);
}
