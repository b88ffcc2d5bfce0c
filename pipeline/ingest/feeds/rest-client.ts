import { NexuralError } from '../../../schemas/errors.js';

export interface JsonResponse {
  readonly body: unknown;
  readonly headers: Headers;
}

/**
 * GET a JSON document from a venue's REST API. Failures are NexuralErrors whose `retryable` says whether
 * asking again can help: timeouts, network errors, 5xx and rate limits (429, Binance's 418) can; other
 * 4xx (a bad symbol, a missing API key) cannot.
 */
export async function getJson(
  url: URL,
  options: { readonly timeoutMs: number; readonly headers?: Readonly<Record<string, string>> },
): Promise<JsonResponse> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json', ...options.headers },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    throw new NexuralError(
      timedOut ? 'NXR_TIMEOUT' : 'NXR_SERVICE_UNAVAILABLE',
      `GET ${url.origin}${url.pathname} ${timedOut ? `took more than ${options.timeoutMs} ms` : `failed: ${String(error)}`}`,
      { url: url.toString() },
      { cause: error },
    );
  }
  const text = await response.text();
  if (!response.ok) {
    const retryable = response.status >= 500 || response.status === 429 || response.status === 418;
    throw new NexuralError(
      retryable ? 'NXR_SERVICE_UNAVAILABLE' : 'NXR_CONFIG_INVALID',
      `GET ${url.origin}${url.pathname} answered ${response.status}: ${text.slice(0, 200)}`,
      { url: url.toString(), status: response.status },
    );
  }
  try {
    return { body: JSON.parse(text), headers: response.headers };
  } catch (error) {
    throw new NexuralError(
      'NXR_PARSE_FAILED',
      `GET ${url.origin}${url.pathname} did not return JSON: ${text.slice(0, 80)}`,
      { url: url.toString() },
      { cause: error },
    );
  }
}
