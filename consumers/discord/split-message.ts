/** Discord's limit on a message's content. */
export const MESSAGE_LIMIT = 2_000;

interface Block {
  readonly text: string;
  /** the opening fence line (e.g. "```ts") when the block is a code block */
  readonly fence: string | null;
}

/** Paragraphs and whole code blocks, in order. */
function blocks(text: string): Block[] {
  const result: Block[] = [];
  const lines = text.split('\n');
  let prose: string[] = [];
  const flushProse = () => {
    for (const paragraph of prose.join('\n').split(/\n{2,}/)) {
      if (paragraph.trim().length > 0) result.push({ text: paragraph, fence: null });
    }
    prose = [];
  };
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (!line.trimStart().startsWith('```')) {
      prose.push(line);
      continue;
    }
    flushProse();
    const code = [line];
    index += 1;
    while (index < lines.length && !(lines[index] ?? '').trimStart().startsWith('```')) {
      code.push(lines[index] ?? '');
      index += 1;
    }
    code.push(index < lines.length ? (lines[index] ?? '```') : '```');
    result.push({ text: code.join('\n'), fence: line.trim() });
  }
  flushProse();
  return result;
}

/** Cuts text at the last whitespace before `limit` (a single word longer than the limit is cut hard). */
function cutProse(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    const newline = window.lastIndexOf('\n');
    const space = Math.max(window.lastIndexOf(' '), window.lastIndexOf('\t'));
    const at = newline > 0 ? newline : space > 0 ? space : limit;
    parts.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).replace(/^\s+/, '');
  }
  if (rest.length > 0) parts.push(rest);
  return parts.filter((part) => part.length > 0);
}

/** A code block too long for one message: split between lines, each part closed and reopened with its fence. */
function cutCode(block: Block, limit: number): string[] {
  const fence = block.fence ?? '```';
  const inner = block.text.split('\n').slice(1, -1);
  const room = limit - fence.length - 5;
  const parts: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of inner) {
    const pieces = line.length > room ? cutProse(line, room) : [line];
    for (const piece of pieces) {
      if (size + piece.length + 1 > room && current.length > 0) {
        parts.push(`${fence}\n${current.join('\n')}\n\`\`\``);
        current = [];
        size = 0;
      }
      current.push(piece);
      size += piece.length + 1;
    }
  }
  if (current.length > 0) parts.push(`${fence}\n${current.join('\n')}\n\`\`\``);
  return parts;
}

/**
 * Splits a long answer into messages of at most `limit` characters: at paragraph boundaries first, a code block
 * kept whole when it fits (else split between its lines, each part fenced), a long paragraph at the last space —
 * never mid-word unless one word is longer than a message.
 */
export function splitMessage(text: string, limit = MESSAGE_LIMIT): string[] {
  if (text.length <= limit) return text.length > 0 ? [text] : [];
  const messages: string[] = [];
  let current = '';
  const push = (piece: string) => {
    if (current.length === 0) current = piece;
    else if (current.length + 2 + piece.length <= limit) current = `${current}\n\n${piece}`;
    else {
      messages.push(current);
      current = piece;
    }
  };
  for (const block of blocks(text)) {
    if (block.text.length <= limit) push(block.text);
    else
      for (const piece of block.fence === null ? cutProse(block.text, limit) : cutCode(block, limit))
        push(piece);
  }
  if (current.length > 0) messages.push(current);
  return messages;
}
