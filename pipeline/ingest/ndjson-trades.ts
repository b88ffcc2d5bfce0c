import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { NexuralError } from '../../schemas/errors.js';
import { rawTradeSchema, type TradeTick } from '../../schemas/tick.js';

/** One valid line of an NDJSON trades file: the tick, and the line as written (published verbatim). */
export interface NdjsonTrade {
  readonly tick: TradeTick;
  readonly text: string;
  /** line number in the file, 1-based */
  readonly line: number;
}

function lineError(
  file: string,
  line: number,
  field: string,
  problem: string,
  value?: unknown,
): NexuralError {
  const got = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 60) ?? String(value)})`;
  return new NexuralError('NXR_FILE_INVALID', `${file} line ${line}: ${field}${problem}${got}`, {
    file,
    line,
    field,
  });
}

/**
 * Reads a file of one raw-topic trade per line (`rawTradeSchema`: venue, symbol, tradeId, time or timeUs,
 * price, size, side). A bad line stops the read with NXR_FILE_INVALID naming the file, line and field.
 */
export async function* readNdjsonTrades(file: string): AsyncGenerator<NdjsonTrade> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  try {
    for await (const text of lines) {
      number++;
      if (text.trim().length === 0) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw lineError(file, number, '', `not JSON: ${(error as Error).message}`);
      }
      const result = rawTradeSchema.safeParse(parsed);
      if (!result.success) {
        const issue = result.error.issues[0];
        const path = (issue?.path ?? []).map(String);
        const value =
          typeof parsed === 'object' && parsed !== null && path[0] !== undefined
            ? (parsed as Record<string, unknown>)[path[0]]
            : parsed;
        throw lineError(file, number, path.join('.') || '(line)', `: ${issue?.message ?? 'invalid'}`, value);
      }
      yield { tick: result.data, text, line: number };
    }
  } catch (error) {
    if (error instanceof NexuralError) throw error;
    throw new NexuralError(
      'NXR_FILE_INVALID',
      `cannot read ${file}: ${(error as Error).message}`,
      { file },
      {
        cause: error,
      },
    );
  } finally {
    lines.close();
    input.destroy();
  }
}
