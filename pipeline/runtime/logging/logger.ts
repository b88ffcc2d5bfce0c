import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface LoggerSettings {
  /** NEXURAL_LOG_LEVEL */
  readonly level: LogLevel;
  /** the command or role, bound to every line as `name` */
  readonly name: string;
  /** where lines go; default stderr, so stdout stays the command's product (CSV, URLs, tables) */
  readonly destination?: DestinationStream | NodeJS.WritableStream;
  /** human-readable lines instead of JSON; default: when the destination is a terminal */
  readonly pretty?: boolean;
}

const CENSOR = '[redacted]';

/**
 * Paths pino replaces by "[redacted]" wherever a logged object holds them: credentials in HTTP headers,
 * and fields named like a secret at the top level or one level down (`{config: {password}}`).
 */
export const redactedPaths: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  ...['password', 'token', 'apiKey', 'secret', 'jwtSecret', 'authorization'].flatMap((field) => [
    field,
    `*.${field}`,
  ]),
];

const SECRET_QUERY = /([?&](?:token|key|api_key|apiKey|password)=)[^&#]*/gi;

/** A URL with its password and credential-like query values replaced (`postgres://u:[redacted]@h/db`). */
export function redactUrl(url: string): string {
  const withoutQuerySecrets = url.replace(SECRET_QUERY, `$1${CENSOR}`);
  return withoutQuerySecrets.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, `$1:${CENSOR}@`);
}

/** What a request log line says about the request: never its headers, never a token in its query. */
interface LoggedRequest {
  readonly method?: string;
  readonly url?: string;
  readonly ip?: string;
  readonly id?: string;
}
const requestSerializer = (request: LoggedRequest) => ({
  id: request.id,
  method: request.method,
  url: typeof request.url === 'string' ? redactUrl(request.url) : request.url,
  remoteAddress: request.ip,
});

/**
 * The one logger factory: pino, JSON lines (pretty on a terminal), level from NEXURAL_LOG_LEVEL, secrets
 * redacted. Commands create it once and pass it (or children of it) to what they build.
 */
export function createLogger(settings: LoggerSettings): Logger {
  const destination = settings.destination ?? process.stderr;
  const isTerminal = 'isTTY' in destination && destination.isTTY === true;
  const options: LoggerOptions = {
    level: settings.level,
    base: { name: settings.name },
    redact: { paths: [...redactedPaths], censor: CENSOR },
    serializers: { req: requestSerializer, err: pino.stdSerializers.err },
  };
  // pino-pretty as a stream in this thread (not a transport worker): lines come out in order with the rest.
  const stream =
    (settings.pretty ?? isTerminal)
      ? pinoPretty({ destination: destination as NodeJS.WritableStream, colorize: isTerminal, sync: true })
      : destination;
  return pino(options, stream as DestinationStream);
}

/** A logger that writes nothing (library defaults, tests). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
