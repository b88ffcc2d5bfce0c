// The dashboard's connection to the API: a session token from an API key, JSON requests, and one live
// WebSocket that reconnects and resumes (bars from the last open time seen, alerts after the last delivery).

export class ApiError extends Error {
  constructor(status, envelope) {
    super(envelope?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = envelope?.error?.code ?? 'NXR_INTERNAL';
  }
}

export class NexuralClient {
  constructor(apiKey) {
    this.apiKey = apiKey;
    this.token = null;
    this.expiresAt = 0;
  }

  /** Exchanges the API key for a session token (the key stays in this tab only). */
  async signIn() {
    const response = await fetch('/v1/session', {
      method: 'POST',
      headers: { authorization: `Bearer ${this.apiKey}` },
    });
    const body = await response.json();
    if (!response.ok) throw new ApiError(response.status, body);
    this.token = body.token;
    this.expiresAt = body.expiresAt;
    return body;
  }

  async freshToken() {
    if (!this.token || Date.now() > this.expiresAt - 60_000) await this.signIn();
    return this.token;
  }

  async request(method, path, body) {
    const headers = { authorization: `Bearer ${await this.freshToken()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return null;
    const json = await response.json();
    if (!response.ok) throw new ApiError(response.status, json);
    return json;
  }

  get(path) {
    return this.request('GET', path);
  }
}

/**
 * One WebSocket for every subscription. `subscriptions` maps id → a function returning the subscribe
 * message (called again on every reconnect, so it carries the latest resume point).
 */
export class LiveConnection {
  constructor(client, { onMessage, onStatus }) {
    this.client = client;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.subscriptions = new Map();
    this.socket = null;
    this.retryMs = 500;
    this.stopped = false;
  }

  async connect() {
    const token = await this.client.freshToken();
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/v1/live?token=${encodeURIComponent(token)}`);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.retryMs = 500;
      this.onStatus('live', 'live');
      for (const message of this.subscriptions.values()) socket.send(JSON.stringify(message()));
    });
    socket.addEventListener('message', (event) => this.onMessage(JSON.parse(event.data)));
    socket.addEventListener('close', (event) => {
      if (this.stopped) return;
      const why = event.reason || `closed (${event.code})`;
      this.onStatus('down', `reconnecting: ${why}`);
      setTimeout(() => this.connect().catch((error) => this.onStatus('down', error.message)), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    });
  }

  subscribe(id, message) {
    this.subscriptions.set(id, message);
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message()));
  }

  unsubscribe(id) {
    if (!this.subscriptions.delete(id)) return;
    if (this.socket?.readyState === WebSocket.OPEN)
      this.socket.send(JSON.stringify({ op: 'unsubscribe', id }));
  }
}
