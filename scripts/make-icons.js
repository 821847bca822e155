// Draws Warden's Teams icons (a shield with a keyhole) as PNGs, so the app package needs no binary design tool.
// Teams wants a 192x192 full-colour icon and a 32x32 white-on-transparent outline (reference/teams_platform.md §4).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buffer) => {
  let c = 0xffffffff;
  for (const byte of buffer) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};
const png = (size, pixel) => {
  const rows = [];
  for (let y = 0; y < size; y += 1) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x += 1) {
      // 4x4 supersampling for smooth edges.
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < 4; sy += 1)
        for (let sx = 0; sx < 4; sx += 1) {
          const [pr, pg, pb, pa] = pixel((x + (sx + 0.5) / 4) / size, (y + (sy + 0.5) / 4) / size);
          r += pr * pa;
          g += pg * pa;
          b += pb * pa;
          a += pa;
        }
      const alpha = a / 16;
      row.set(
        alpha
          ? [Math.round(r / a), Math.round(g / a), Math.round(b / a), Math.round(alpha * 255)]
          : [0, 0, 0, 0],
        1 + x * 4,
      );
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
};

// The shield in unit coordinates, centred; `scale` keeps the colour icon inside Teams' 120/192 safe area.
const inShield = (u, v, scale) => {
  const x = (u - 0.5) / scale;
  const y = (v - 0.5) / scale + 0.5;
  if (y < 0.08 || y > 0.95) return false;
  const halfWidth = y < 0.55 ? 0.4 : 0.4 * Math.sqrt(Math.max(0, 1 - ((y - 0.55) / 0.4) ** 2));
  return Math.abs(x) <= halfWidth;
};
const inKeyhole = (u, v, scale) => {
  const x = (u - 0.5) / scale;
  const y = (v - 0.5) / scale + 0.5;
  return Math.hypot(x, y - 0.42) < 0.09 || (Math.abs(x) < 0.045 + (y - 0.42) * 0.08 && y > 0.42 && y < 0.7);
};

const out = path.join(__dirname, '..', 'appPackage');
fs.writeFileSync(
  path.join(out, 'color.png'),
  png(192, (u, v) => {
    if (inShield(u, v, 0.62) && !inKeyhole(u, v, 0.62)) return [255, 255, 255, 1];
    return [31, 58, 147, 1];
  }),
);
fs.writeFileSync(
  path.join(out, 'outline.png'),
  png(32, (u, v) => (inShield(u, v, 0.95) && !inKeyhole(u, v, 0.95) ? [255, 255, 255, 1] : [0, 0, 0, 0])),
);
console.log('wrote appPackage/color.png and appPackage/outline.png');
