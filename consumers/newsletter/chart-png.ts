import { crc32, deflateSync } from 'node:zlib';

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An RGB image encoded as PNG (8-bit truecolour, no filter). */
function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  }
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface ChartOptions {
  readonly width?: number;
  readonly height?: number;
}

/** A small line chart of `values` (e.g. closes) as a PNG: green when the series ended up, red when down. */
export function lineChartPng(values: readonly number[], options: ChartOptions = {}): Buffer {
  const width = options.width ?? 480;
  const height = options.height ?? 140;
  const pixels = new Uint8Array(width * height * 3).fill(255);
  const first = values[0];
  const last = values.at(-1);
  if (first === undefined || last === undefined) return encodePng(width, height, pixels);
  const colour = last >= first ? [22, 163, 74] : [220, 38, 38];
  const min = Math.min(...values);
  const span = Math.max(...values) - min || 1;
  const pad = 6;
  const point = (index: number, value: number) => ({
    x: pad + (values.length === 1 ? 0 : (index / (values.length - 1)) * (width - 2 * pad)),
    y: pad + (1 - (value - min) / span) * (height - 2 * pad),
  });
  const plot = (x: number, y: number) => {
    for (let dy = 0; dy < 2; dy++) {
      const px = Math.round(x);
      const py = Math.round(y) + dy;
      if (px < 0 || px >= width || py < 0 || py >= height) continue;
      pixels.set(colour, (py * width + px) * 3);
    }
  };
  for (let index = 1; index < values.length; index++) {
    const a = point(index - 1, values[index - 1] ?? first);
    const b = point(index, values[index] ?? first);
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(b.x - a.x), Math.abs(b.y - a.y))));
    for (let step = 0; step <= steps; step++) {
      plot(a.x + ((b.x - a.x) * step) / steps, a.y + ((b.y - a.y) * step) / steps);
    }
  }
  return encodePng(width, height, pixels);
}
