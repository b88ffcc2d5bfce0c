// Test support: a local HTTP server receiving outbound webhooks, verified with the `standardwebhooks` package.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedHook {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** the payload standardwebhooks verified, or null if verification failed */
  readonly verified: unknown;
}

export interface HookReceiver {
  readonly url: string;
  readonly received: ReceivedHook[];
  /** status answered to the next requests (default 204) */
  status: number;
  close(): Promise<void>;
}

/** Answers `status` to every request; with a `whsec_` secret, verifies each with standardwebhooks. */
export async function startHookReceiver(
  secret: string | null,
  /** false: the request is dropped unanswered and not recorded (e.g. the test kills the sender here) */
  beforeAnswer: (hook: ReceivedHook) => boolean = () => true,
): Promise<HookReceiver> {
  const received: ReceivedHook[] = [];
  const state = { status: 204 };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const headers = request.headers as Record<string, string>;
      let verified: unknown = null;
      if (secret !== null) {
        try {
          verified = new Webhook(secret).verify(body, headers);
        } catch {
          verified = null;
        }
      }
      const hook = { path: request.url ?? '', headers, body, verified };
      if (!beforeAnswer(hook)) {
        request.socket.destroy();
        return;
      }
      received.push(hook);
      response.writeHead(state.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    get status() {
      return state.status;
    },
    set status(value: number) {
      state.status = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
