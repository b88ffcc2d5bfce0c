import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One message of a chat request as the fake receives it. */
export interface FakeChatMessage {
  readonly role: string;
  readonly content: string | null;
  readonly tool_call_id?: string;
  readonly tool_calls?: readonly { id: string; function: { name: string; arguments: string } }[];
}

export interface FakeChatRequest {
  readonly model: string;
  readonly messages: readonly FakeChatMessage[];
  readonly tools?: readonly { type: string; function: { name: string; strict?: boolean } }[];
}

/** What the scripted model answers: tool calls, or final text. */
export type ScriptedTurn =
  | { readonly toolCalls: readonly { readonly name: string; readonly arguments: Record<string, unknown> }[] }
  | { readonly content: string };

/** The model's script: called with each request (and its index), returns the next turn. */
export type ModelScript = (request: FakeChatRequest, index: number) => ScriptedTurn;

/**
 * A local OpenAI chat-completions endpoint for the real `openai` SDK (`baseURL`): answers each request with the
 * script's next turn and keeps every request, so a test can check the tool results the SDK sent back.
 */
export async function startFakeOpenAI(script: ModelScript) {
  const requests: FakeChatRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url !== '/v1/chat/completions' || req.headers.authorization !== 'Bearer sk-fake') {
        res.writeHead(req.url === '/v1/chat/completions' ? 401 : 404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: { message: 'fake OpenAI: bad key or route', type: 'invalid_request_error' },
          }),
        );
        return;
      }
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeChatRequest;
      requests.push(request);
      const turn = script(request, requests.length - 1);
      const toolCalls =
        'toolCalls' in turn
          ? turn.toolCalls.map((call, index) => ({
              id: `call_${requests.length}_${index}`,
              type: 'function',
              function: { name: call.name, arguments: JSON.stringify(call.arguments) },
            }))
          : undefined;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `chatcmpl-${requests.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: request.model,
          choices: [
            {
              index: 0,
              finish_reason: toolCalls ? 'tool_calls' : 'stop',
              logprobs: null,
              message: {
                role: 'assistant',
                content: 'content' in turn ? turn.content : null,
                refusal: null,
                ...(toolCalls ? { tool_calls: toolCalls } : {}),
              },
            },
          ],
          usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    apiKey: 'sk-fake',
    requests,
    /** the tool results (parsed JSON) the SDK sent in request `index` */
    toolResults(index: number): Record<string, unknown>[] {
      return (requests[index]?.messages ?? [])
        .filter((message) => message.role === 'tool')
        .map((message) => JSON.parse(message.content ?? '{}') as Record<string, unknown>);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
