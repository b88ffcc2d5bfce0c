/**
 * Kafka requests this process sends, by API (bench:kafka `--requests`): every write to a socket whose remote
 * port is a broker's is read as kafkajs writes a request, one buffer each — size (int32), api key (int16),
 * version, correlation id. Counts kafkajs only: librdkafka writes from its own threads, past `net`.
 */
import { Socket } from 'node:net';

/** the protocol's api keys that the processor's kafkajs clients send */
const API_NAMES: Readonly<Record<number, string>> = {
  0: 'Produce',
  1: 'Fetch',
  2: 'ListOffsets',
  3: 'Metadata',
  8: 'OffsetCommit',
  9: 'OffsetFetch',
  10: 'FindCoordinator',
  11: 'JoinGroup',
  12: 'Heartbeat',
  13: 'LeaveGroup',
  14: 'SyncGroup',
  18: 'ApiVersions',
  19: 'CreateTopics',
  20: 'DeleteTopics',
  22: 'InitProducerId',
  24: 'AddPartitionsToTxn',
  25: 'AddOffsetsToTxn',
  26: 'EndTxn',
  28: 'TxnOffsetCommit',
  32: 'DescribeConfigs',
  42: 'DeleteGroups',
};

/** the first string after the request header, or undefined where it does not fit */
function firstBodyString(chunk: Buffer): { text: string | null; end: number } | undefined {
  const clientIdLength = chunk.readInt16BE(12);
  const at = 14 + Math.max(0, clientIdLength);
  if (chunk.length < at + 2) return undefined;
  const length = chunk.readInt16BE(at);
  if (length < 0) return { text: null, end: at + 2 };
  return { text: chunk.toString('utf8', at + 2, at + 2 + length), end: at + 2 + length };
}

/** Produce and FindCoordinator split by what they are for (transactional or not; group or transaction) */
function nameOf(chunk: Buffer): string {
  const key = chunk.readInt16BE(4);
  const name = API_NAMES[key] ?? `api ${key}`;
  if (chunk.length < 14) return name;
  const body = firstBodyString(chunk);
  if (body === undefined) return name;
  if (key === 0) return `${name} (${body.text === null ? 'plain' : 'transactional'})`;
  if (key === 10 && chunk.readInt16BE(6) >= 1 && chunk.length > body.end) {
    return `${name} (${chunk.readInt8(body.end) === 1 ? 'transaction' : 'group'})`;
  }
  return name;
}

export interface RequestFigures {
  count: number;
  bytes: number;
  /** wall ms inside socket.write: the kernel's loopback delivery runs in the writer's syscall */
  writeMs: number;
}

export interface RequestCounter {
  /** requests by api name since the counter started (or the last reset) */
  counts(): Map<string, RequestFigures>;
  reset(): void;
  stop(): void;
}

export function countKafkaRequests(brokerPorts: readonly number[]): RequestCounter {
  const ports = new Set(brokerPorts);
  let counts = new Map<string, RequestFigures>();
  const write = Socket.prototype.write;
  const counted = function (this: Socket, ...args: Parameters<typeof write>) {
    const [chunk] = args;
    if (Buffer.isBuffer(chunk) && chunk.length >= 6 && ports.has(this.remotePort ?? -1)) {
      const name = nameOf(chunk);
      let figures = counts.get(name);
      if (figures === undefined) {
        figures = { count: 0, bytes: 0, writeMs: 0 };
        counts.set(name, figures);
      }
      const start = performance.now();
      const written = write.apply(this, args);
      figures.writeMs += performance.now() - start;
      figures.count += 1;
      figures.bytes += chunk.length;
      return written;
    }
    return write.apply(this, args);
  } as typeof write;
  Socket.prototype.write = counted;
  return {
    counts: () => new Map([...counts].map(([name, figures]) => [name, { ...figures }])),
    reset: () => {
      counts = new Map();
    },
    stop: () => {
      Socket.prototype.write = write;
    },
  };
}
