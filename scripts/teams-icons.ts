/**
 * Draws the Teams app icons committed under manifests/teams/ (run: npx tsx scripts/teams-icons.ts): a 192×192
 * full-colour icon and a 32×32 white outline on transparency, as Teams asks (reference/teams.md §5). The symbol is
 * a check mark in a ring — a passing connectivity test. Shapes are signed distances, so edges are anti-aliased.
 */
import { writeFileSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';

type Point = [number, number];

const BACKGROUND: [number, number, number] = [0x00, 0x52, 0xcc];

function segmentDistance(p: Point, a: Point, b: Point): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const t = Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/** Coverage (0–1) of the ring and check mark at a pixel of an icon `size` wide, drawn on a 192 grid. */
function coverage(x: number, y: number, size: number, stroke: number): number {
  const scale = 192 / size;
  const p: Point = [(x + 0.5) * scale, (y + 0.5) * scale];
  const ring = Math.abs(Math.hypot(p[0] - 96, p[1] - 96) - 66) - stroke / 2;
  const check =
    Math.min(segmentDistance(p, [62, 98], [86, 122]), segmentDistance(p, [86, 122], [132, 74])) - stroke / 2;
  return Math.max(0, Math.min(1, 0.5 - Math.min(ring, check) / scale));
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An 8-bit PNG, colour type 2 (RGB) or 6 (RGBA), rows unfiltered. */
function png(size: number, channels: 3 | 4, pixel: (x: number, y: number) => number[]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, channels === 4 ? 6 : 2, 0, 0, 0], 8);
  const rows: number[] = [];
  for (let y = 0; y < size; y++) {
    rows.push(0);
    for (let x = 0; x < size; x++) rows.push(...pixel(x, y));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const color = png(192, 3, (x, y) => {
  const c = coverage(x, y, 192, 14);
  return BACKGROUND.map((v) => Math.round(v + (255 - v) * c));
});
const outline = png(32, 4, (x, y) => [255, 255, 255, Math.round(255 * coverage(x, y, 32, 14))]);

writeFileSync('manifests/teams/color.png', color);
writeFileSync('manifests/teams/outline.png', outline);
console.log(`color.png ${color.length} bytes, outline.png ${outline.length} bytes`);
