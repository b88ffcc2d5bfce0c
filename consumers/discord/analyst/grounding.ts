/** Numbers a reader would take as data: not parts of dates, times, intervals or indicator specs. */
export function statedNumbers(text: string): string[] {
  const cleaned = text
    .replace(/\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?/g, ' ')
    .replace(/\b\d{1,2}:\d{2}(?::\d{2})?\b/g, ' ')
    .replace(/\b\d+[smhdwM]\b/g, ' ')
    .replace(/\b[a-z_]+\([^()]*\)/gi, ' ')
    .replace(/\b[A-Z0-9]{2,}(?:USDT|USD|USDC|ETH|BTC)\b/g, ' ');
  return [...cleaned.matchAll(/-?\d[\d,]*(?:\.\d+)?/g)].map((match) => match[0].replaceAll(',', ''));
}

/** Every number in a JSON value (also numbers inside strings), for the grounding check. */
export function numbersIn(value: unknown, into: number[] = []): number[] {
  if (typeof value === 'number') into.push(value);
  else if (typeof value === 'string') for (const found of statedNumbers(value)) into.push(Number(found));
  else if (Array.isArray(value)) for (const item of value) numbersIn(item, into);
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) numbersIn(item, into);
  return into;
}

/**
 * The numbers of `answer` that no source gave: a stated number is grounded when a source number rounds to it
 * at the precision it is written with (61234.5 is grounded by 61234.47; 61235 is not grounded by 61234.47 if
 * written 61235.0). Small counts (0–10, integers) pass: "3 alerts", "2 bars".
 */
export function ungroundedNumbers(answer: string, sources: readonly number[]): string[] {
  const missing: string[] = [];
  for (const stated of statedNumbers(answer)) {
    const value = Number(stated);
    if (!Number.isFinite(value)) continue;
    if (Number.isInteger(value) && Math.abs(value) <= 10 && !stated.includes('.')) continue;
    const decimals = stated.includes('.') ? (stated.split('.')[1]?.length ?? 0) : 0;
    const step = 10 ** -decimals;
    const grounded = sources.some(
      (source) =>
        Math.abs(source - value) <= step / 2 + 1e-9 ||
        Math.abs(Math.abs(source) - Math.abs(value)) <= step / 2 + 1e-9,
    );
    if (!grounded) missing.push(stated);
  }
  return missing;
}
