import type { AppendInput } from './partition-log.js';

/** A segment entry: a record (maybe in a transaction) or a transaction's commit/abort marker, at its offset. */
export type Frame =
  | {
      readonly kind: 'data';
      readonly offset: number;
      readonly transactionId: number | null;
      readonly input: AppendInput;
    }
  | {
      readonly kind: 'control';
      readonly offset: number;
      readonly transactionId: number;
      readonly committed: boolean;
    };

const DATA = 0;
const COMMIT = 1;
const ABORT = 2;
const NONE = -1;
/** length prefix (4) + kind (1) + transaction id (8) + offset (8) */
const HEAD = 21;

export function encodeFrame(frame: Frame): Buffer {
  if (frame.kind === 'control') {
    const bytes = Buffer.allocUnsafe(HEAD);
    bytes.writeUInt32LE(HEAD - 4, 0);
    bytes.writeUInt8(frame.committed ? COMMIT : ABORT, 4);
    bytes.writeDoubleLE(frame.transactionId, 5);
    bytes.writeDoubleLE(frame.offset, 13);
    return bytes;
  }
  const { input } = frame;
  const key = input.key === null ? null : Buffer.from(input.key, 'utf8');
  const headers = Object.keys(input.headers).length === 0 ? null : Buffer.from(JSON.stringify(input.headers));
  const size = HEAD + 8 + 12 + (key?.length ?? 0) + (input.value?.length ?? 0) + (headers?.length ?? 0);
  const bytes = Buffer.allocUnsafe(size);
  let at = bytes.writeUInt32LE(size - 4, 0);
  at = bytes.writeUInt8(DATA, at);
  at = bytes.writeDoubleLE(frame.transactionId ?? NONE, at);
  at = bytes.writeDoubleLE(frame.offset, at);
  at = bytes.writeDoubleLE(input.timestamp, at);
  for (const part of [key, input.value, headers]) {
    at = bytes.writeInt32LE(part === null ? NONE : part.length, at);
    if (part !== null) at += part.copy(bytes, at);
  }
  return bytes;
}

export interface DecodedFrame {
  readonly frame: Frame;
  /** byte position of the frame in the decoded buffer */
  readonly position: number;
  readonly size: number;
}

/**
 * Decodes the whole frames of `bytes` (from `start`); a frame cut short at the end — a torn write, or the end
 * of a chunk — stops decoding, and `validBytes` says where. A length that cannot be a frame stops it too.
 */
export function decodeFrames(bytes: Buffer, start = 0): { frames: DecodedFrame[]; validBytes: number } {
  const frames: DecodedFrame[] = [];
  let at = start;
  while (at + 4 <= bytes.length) {
    const length = bytes.readUInt32LE(at);
    const end = at + 4 + length;
    if (length < HEAD - 4 || end > bytes.length) break;
    const kind = bytes.readUInt8(at + 4);
    const transactionId = bytes.readDoubleLE(at + 5);
    const offset = bytes.readDoubleLE(at + 13);
    if (kind === COMMIT || kind === ABORT) {
      frames.push({
        frame: { kind: 'control', offset, transactionId, committed: kind === COMMIT },
        position: at,
        size: end - at,
      });
    } else if (kind === DATA) {
      const timestamp = bytes.readDoubleLE(at + HEAD);
      let cursor = at + HEAD + 8;
      const parts: (Buffer | null)[] = [];
      for (let part = 0; part < 3; part += 1) {
        const partLength = bytes.readInt32LE(cursor);
        cursor += 4;
        parts.push(partLength === NONE ? null : Buffer.from(bytes.subarray(cursor, cursor + partLength)));
        cursor += Math.max(partLength, 0);
      }
      const [key, value, headers] = parts;
      const input: AppendInput = {
        key: key === null || key === undefined ? null : key.toString('utf8'),
        value: value ?? null,
        timestamp,
        headers: headers === null || headers === undefined ? {} : JSON.parse(headers.toString('utf8')),
      };
      frames.push({
        frame: { kind: 'data', offset, transactionId: transactionId === NONE ? null : transactionId, input },
        position: at,
        size: end - at,
      });
    } else {
      break;
    }
    at = end;
  }
  return { frames, validBytes: at };
}
