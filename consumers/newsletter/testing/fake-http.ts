// Test support: small local fakes of OpenAI's and Discord's HTTP APIs (the real SDKs are pointed at them).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface FakeHttp {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

type Answer = (request: RecordedRequest) => { readonly status: number; readonly json: unknown };

async function startFake(answer: Answer): Promise<FakeHttp> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(recorded);
      const { status, json } = answer(recorded);
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An OpenAI-compatible chat completions endpoint answering every request with `content`. */
export const startFakeOpenAi = (content: string) =>
  startFake((request) =>
    request.url === '/v1/chat/completions'
      ? {
          status: 200,
          json: {
            id: `chatcmpl-${Date.now()}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: JSON.parse(request.body).model,
            choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          },
        }
      : { status: 404, json: { error: { message: 'not found' } } },
  );

/** Discord's create-message endpoint (POST /api/v10/channels/:id/messages); point REST's `api` at `${url}/api`. */
export const startFakeDiscord = () =>
  startFake((request) => {
    const match = /^\/api\/v10\/channels\/(\d+)\/messages$/.exec(request.url);
    if (request.method !== 'POST' || !match) return { status: 404, json: { message: 'Unknown', code: 0 } };
    const body = JSON.parse(request.body) as { content: string; nonce?: string };
    return {
      status: 200,
      json: { id: String(Date.now()), channel_id: match[1], content: body.content, nonce: body.nonce },
    };
  });
