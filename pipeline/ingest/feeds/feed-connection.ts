import WebSocket from 'ws';
import { type Backoff, fullJitterDelay } from './backoff.js';

export interface FeedConnectionOptions {
  readonly url: string;
  /** frames sent on every open: the subscription, so a reconnect resubscribes */
  readonly subscribeFrames: () => readonly string[];
  readonly backoff: Backoff;
  /** no frame, ping or pong for this long: the connection is presumed dead and replaced */
  readonly staleAfterMs: number;
  /** our own ping interval (the server's pings are answered by ws either way); null = none */
  readonly pingEveryMs: number | null;
  readonly onFrame: (text: string) => void;
  readonly onStatus?: (status: ConnectionStatus) => void;
  readonly random?: () => number;
  readonly now?: () => number;
}

export type ConnectionStatus =
  | { readonly kind: 'connected' }
  | { readonly kind: 'disconnected'; readonly reason: string }
  | { readonly kind: 'reconnecting'; readonly attempt: number; readonly delayMs: number }
  | { readonly kind: 'stale'; readonly silentMs: number };

/**
 * One WebSocket kept alive: reconnects with exponential backoff and full jitter after any close or error,
 * replaces a connection that went silent for `staleAfterMs`, and resubscribes on every open. Frames are
 * handed over as text, in arrival order. `close()` stops every timer and waits for the socket to close.
 */
export class FeedConnection {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private lastActivity = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private staleTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private closing = false;
  private readonly now: () => number;

  constructor(private readonly options: FeedConnectionOptions) {
    this.now = options.now ?? Date.now;
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (this.closing) throw new Error('FeedConnection: start() after close()');
    if (this.socket === null && this.reconnectTimer === null) this.open();
  }

  /** Makes the current connection go away as if the network dropped it (a stale feed does the same). */
  drop(reason: string): void {
    const socket = this.socket;
    if (socket === null) return;
    this.detach(socket, reason);
    socket.terminate();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.clearTimers();
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket === null || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => socket.terminate(), 2000);
      socket.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000, 'client closing');
    });
  }

  private open(): void {
    const socket = new WebSocket(this.options.url, { handshakeTimeout: this.options.staleAfterMs });
    this.socket = socket;
    this.lastActivity = this.now();
    this.armStale();
    socket.on('open', () => {
      if (this.socket !== socket) return;
      this.touch();
      for (const frame of this.options.subscribeFrames()) socket.send(frame);
      this.options.onStatus?.({ kind: 'connected' });
      if (this.options.pingEveryMs !== null) {
        this.pingTimer = setInterval(() => socket.ping(), this.options.pingEveryMs);
      }
    });
    socket.on('message', (data, isBinary) => {
      if (this.socket !== socket) return;
      this.touch();
      // a frame that arrived means this connection works: the next outage starts the backoff afresh
      this.attempt = 0;
      this.options.onFrame(isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data));
    });
    socket.on('ping', () => this.touch());
    socket.on('pong', () => this.touch());
    socket.on('error', (error) => {
      if (this.socket === socket) this.detach(socket, error.message);
    });
    socket.on('close', (code, reason) => {
      if (this.socket === socket) this.detach(socket, `closed (${code}${reason.length ? ` ${reason}` : ''})`);
    });
  }

  private touch(): void {
    this.lastActivity = this.now();
  }

  /** Re-armed from the last activity rather than on every frame: one timer per silence, not per message. */
  private armStale(): void {
    const due = this.lastActivity + this.options.staleAfterMs - this.now();
    this.staleTimer = setTimeout(
      () => {
        const silentMs = this.now() - this.lastActivity;
        if (silentMs >= this.options.staleAfterMs) {
          this.options.onStatus?.({ kind: 'stale', silentMs });
          this.drop(`no message for ${silentMs} ms`);
        } else {
          this.armStale();
        }
      },
      Math.max(1, due),
    );
  }

  private detach(socket: WebSocket, reason: string): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.clearTimers();
    socket.removeAllListeners('message');
    // errors after detaching (a late ECONNRESET) must not crash the process
    socket.on('error', () => {});
    this.options.onStatus?.({ kind: 'disconnected', reason });
    if (!this.closing) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delayMs = fullJitterDelay(this.attempt, this.options.backoff, this.options.random);
    this.attempt++;
    this.options.onStatus?.({ kind: 'reconnecting', attempt: this.attempt, delayMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closing) this.open();
    }, delayMs);
  }

  private clearTimers(): void {
    if (this.staleTimer !== null) clearTimeout(this.staleTimer);
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.staleTimer = null;
    this.pingTimer = null;
  }
}
