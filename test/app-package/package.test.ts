import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync, inflateSync } from 'node:zlib';

const root = join(__dirname, '..', '..');
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads a zip's entries through its central directory, as Teams' uploader does. */
const unzip = (zip: Buffer): Map<string, Buffer> => {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let index = 0; index < count; index += 1) {
    assert.equal(zip.readUInt32LE(offset), 0x02014b50);
    const method = zip.readUInt16LE(offset + 10);
    const size = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extra = zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.subarray(offset + 46, offset + 46 + nameLength).toString();
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    files.set(name, method === 8 ? inflateRawSync(data) : data);
    offset += 46 + nameLength + extra;
  }
  return files;
};

/** Width, height and RGBA pixels of an unfiltered 8-bit RGBA PNG (what scripts/make-icons.js writes). */
const decodePng = (png: Buffer) => {
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const chunks: Buffer[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    if (png.subarray(offset + 4, offset + 8).toString() === 'IDAT')
      chunks.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  return { width, height, raw: inflateSync(Buffer.concat(chunks)) };
};

describe('app package', () => {
  let files: Map<string, Buffer>;
  const teamsAppId = '11111111-2222-4333-8444-555555555555';
  const botId = '66666666-7777-4888-9999-000000000000';

  before(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'package.js'), '--env=test'], {
      env: { ...process.env, TEAMS_APP_ID: teamsAppId, BOT_ID: botId },
    });
    files = unzip(readFileSync(join(root, 'appPackage', 'build', 'appPackage.test.zip')));
  });

  it('when packaged, then the zip holds exactly the manifest and both icons at its root', () => {
    assert.deepEqual([...files.keys()].sort(), ['color.png', 'manifest.json', 'outline.png']);
  });

  it('when packaged, then the manifest has the ids filled in, the three bot scopes, commands and SSO info', () => {
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    assert.equal(manifest.id, teamsAppId);
    assert.match(manifest.manifestVersion, /^1\.(1[3-9]|2\d)$/);
    assert.match(manifest.$schema, new RegExp(`/v${manifest.manifestVersion}/MicrosoftTeams.schema.json$`));
    const [bot] = manifest.bots;
    assert.equal(bot.botId, botId);
    assert.deepEqual([...bot.scopes].sort(), ['groupChat', 'personal', 'team']);
    assert.ok(
      bot.commandLists[0].commands.length >= 3 && bot.commandLists[0].commands.length <= 10,
      'Teams allows up to 10 commands',
    );
    for (const command of bot.commandLists[0].commands) {
      assert.ok(command.title.length <= 32 && command.description.length <= 128, command.title);
    }
    assert.equal(manifest.webApplicationInfo.id, botId);
    assert.equal(manifest.webApplicationInfo.resource, `api://botid-${botId}`);
    assert.ok(
      manifest.name.short.length <= 30 &&
        manifest.description.short.length <= 80 &&
        manifest.description.full.length <= 4000,
    );
    assert.match(manifest.version, /^\d+\.\d+\.\d+$/);
    assert.ok(GUID.test(manifest.id));
  });

  it('when packaged, then the colour icon is 192×192 and the outline 32×32, white on transparent', () => {
    const color = decodePng(files.get('color.png')!);
    assert.deepEqual([color.width, color.height], [192, 192]);
    const outline = decodePng(files.get('outline.png')!);
    assert.deepEqual([outline.width, outline.height], [32, 32]);
    let opaque = 0;
    for (let y = 0; y < 32; y += 1) {
      const row = y * (1 + 32 * 4);
      assert.equal(outline.raw[row], 0, 'unfiltered rows');
      for (let x = 0; x < 32; x += 1) {
        const [r, g, b, a] = outline.raw.subarray(row + 1 + x * 4, row + 5 + x * 4);
        if (a > 0) {
          opaque += 1;
          assert.deepEqual([r, g, b], [255, 255, 255], `outline pixel ${x},${y} must be white`);
        }
      }
    }
    assert.ok(opaque > 100 && opaque < 32 * 32 - 100, 'a shape, not a blank or a filled square');
  });

  it('when an id is missing, then packaging fails with a sentence naming it', () => {
    assert.throws(
      () =>
        execFileSync(process.execPath, [join(root, 'scripts', 'package.js'), '--env=nothing'], {
          env: { PATH: process.env.PATH },
          stdio: 'pipe',
        }),
      (error: { stderr: Buffer }) => /TEAMS_APP_ID/.test(error.stderr.toString()),
    );
  });
});
