import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { LogProducer, OutgoingRecord, PartitionOffset } from '../../../../schemas/ports/stream-log.js';
import { rawTradeSchema, type TradeTick } from '../../../../schemas/tick.js';

/** The real Binance @trade frames of the fixture (README.md beside it), JSON part only, in order. */
export function binanceFixtureFrames(): string[] {
  const text = readFileSync(
    new URL('../fixtures/binance-um-btcusdt-trade-messages.txt', import.meta.url),
    'utf8',
  );
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.slice(line.indexOf(' ') + 1));
}

export type ConnectionScript = (socket: WebSocket, connection: number, url: string) => void | Promise<void>;
export type RestHandler = (url: URL) => { status: number; body: unknown; headers?: Record<string, string> };

/**
 * An exchange on 127.0.0.1: a WebSocket endpoint whose every connection runs the test's script (send
 * recorded frames, drop, go silent), and a REST endpoint answered by the test's handler.
 */
export async function startLocalExchange(script: ConnectionScript, rest: RestHandler) {
  const connections: string[] = [];
  const restCalls: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    restCalls.push(`${url.pathname}${url.search}`);
    const answer = rest(url);
    response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.body));
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, request) => {
    connections.push(request.url ?? '');
    void script(socket, connections.length, request.url ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    connections,
    restCalls,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends frames and resolves once the last one was written to the socket. */
export function sendAll(socket: WebSocket, frames: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    if (frames.length === 0) resolve();
    for (const [index, frame] of frames.entries()) {
      socket.send(frame, (error) => {
        if (error) reject(error);
        else if (index === frames.length - 1) resolve();
      });
    }
  });
}

/** A producer that keeps what it is sent (the feed's view of the log). */
export function capturingProducer(): LogProducer & { readonly records: OutgoingRecord[] } {
  const records: OutgoingRecord[] = [];
  return {
    records,
    async send(batch) {
      const positions: PartitionOffset[] = batch.map((record) => ({
        topic: record.topic,
        partition: 0,
        offset: String(records.push(record) - 1),
      }));
      return positions;
    },
    async close() {},
  };
}

/** Published raw trade records as ticks, through the same schema the processor reads them with. */
export const ticksOf = (records: readonly OutgoingRecord[]): TradeTick[] =>
  records.map((record) => rawTradeSchema.parse(JSON.parse(record.value?.toString('utf8') ?? 'null')));

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
