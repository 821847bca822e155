// `npm run package [-- --env=local]`: builds appPackage/build/appPackage.<env>.zip, the file an admin uploads to Teams.
// ${{VAR}} placeholders in the manifest are filled from env/.env.<env> (and the environment), as the Agents Toolkit does.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const root = path.join(__dirname, '..');
const envName = (process.argv.find((arg) => arg.startsWith('--env=')) || '--env=local').slice(6);

const readEnvFile = (file) =>
  fs.existsSync(file)
    ? Object.fromEntries(
        fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line && !line.startsWith('#') && line.includes('='))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      )
    : {};

const values = { ...readEnvFile(path.join(root, 'env', `.env.${envName}`)), ...process.env };
const template = fs.readFileSync(path.join(root, 'appPackage', 'manifest.json'), 'utf8');
const missing = new Set();
const manifest = template.replace(/\$\{\{([A-Z0-9_]+)\}\}/g, (_, key) => {
  if (!values[key]) missing.add(key);
  return values[key] || '';
});
if (missing.size) {
  console.error(
    `Set ${[...missing].join(', ')} in env/.env.${envName} or the environment (the Agents Toolkit fills them in on provision).`,
  );
  process.exit(1);
}

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

/** A minimal deflate zip: Teams' uploader accepts any standard zip with the three files at its root. */
const zip = (files) => {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of files) {
    const compressed = zlib.deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, compressed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const centralSize = centrals.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
};

const out = path.join(root, 'appPackage', 'build', `appPackage.${envName}.zip`);
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(
  out,
  zip([
    ['manifest.json', Buffer.from(manifest)],
    ['color.png', fs.readFileSync(path.join(root, 'appPackage', 'color.png'))],
    ['outline.png', fs.readFileSync(path.join(root, 'appPackage', 'outline.png'))],
  ]),
);
console.log(`wrote ${path.relative(root, out)}`);
