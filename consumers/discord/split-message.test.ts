import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitMessage } from './split-message.js';

const word = fc.stringMatching(/^[a-z0-9.,]{1,12}$/);
const paragraph = fc.array(word, { minLength: 1, maxLength: 120 }).map((words) => words.join(' '));
const codeBlock = fc
  .array(
    fc.array(word, { minLength: 0, maxLength: 10 }).map((words) => words.join(' ')),
    { minLength: 1, maxLength: 120 },
  )
  .map((lines) => `\`\`\`ts\n${lines.join('\n')}\n\`\`\``);
const answer = fc
  .array(fc.oneof(paragraph, paragraph, codeBlock), { minLength: 1, maxLength: 12 })
  .map((blocks) => blocks.join('\n\n'));
const words = (text: string) =>
  text
    .replaceAll('```ts', ' ')
    .replaceAll('```', ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0);

describe('splitMessage', () => {
  it('keeps short text as one message', () => {
    expect(splitMessage('BTCUSDT 61234.5 as of 2024-08-09T00:09:59Z')).toEqual([
      'BTCUSDT 61234.5 as of 2024-08-09T00:09:59Z',
    ]);
  });

  it('splits at the paragraph boundary, not inside a paragraph', () => {
    const first = 'a'.repeat(1_200);
    const second = `${'b '.repeat(600)}`.trim();
    expect(splitMessage(`${first}\n\n${second}`)).toEqual([first, second]);
  });

  it('every part fits, no word is cut, the words keep their order, every code fence is closed', () => {
    fc.assert(
      fc.property(answer, fc.integer({ min: 200, max: 2_000 }), (text, limit) => {
        const parts = splitMessage(text, limit);
        for (const part of parts) {
          expect(part.length).toBeLessThanOrEqual(limit);
          expect((part.match(/```/g) ?? []).length % 2).toBe(0);
        }
        expect(parts.flatMap(words)).toEqual(words(text));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a code block whole when it fits in one message', () => {
    fc.assert(
      fc.property(fc.array(paragraph, { minLength: 1, maxLength: 6 }), codeBlock, (paragraphs, code) => {
        fc.pre(code.length <= 2_000);
        const parts = splitMessage([...paragraphs, code].join('\n\n'));
        expect(parts.some((part) => part.includes(code))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
