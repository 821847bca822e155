import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';

import { ExportLinks } from '../../../services/exports/export-links';

const KEY = 'test-signing-key-0123456789abcdef0123456789';
const T0 = new Date('2026-11-27T10:00:00.000Z');

const linksAt = (now: Date, signingKey: string | null = KEY) =>
  new ExportLinks({
    publicUrl: () => 'https://warden.example/',
    signingKey,
    ttlSeconds: 900,
    now: () => now,
  });

const parts = (url: string) => {
  const parsed = new URL(url);
  const id = parsed.pathname.split('/').pop() ?? '';
  return { id, exp: parsed.searchParams.get('exp'), sig: parsed.searchParams.get('sig'), parsed };
};

describe('ExportLinks', () => {
  it('when a link is made, then it points at the public URL with an expiry 15 minutes out and checks as ok', () => {
    const links = linksAt(T0);
    const id = randomUUID();
    const { exp, sig, parsed } = parts(links.urlFor(id, links.expiry()));
    assert.equal(parsed.origin, 'https://warden.example');
    assert.equal(parsed.pathname, `/exports/${id}`);
    assert.equal(Number(exp), T0.getTime() / 1000 + 900);
    assert.equal(links.check(id, exp, sig), 'ok');
  });

  it('when the id, the expiry or the signature is changed, then the link is forged', () => {
    const links = linksAt(T0);
    const { id, exp, sig } = parts(links.urlFor(randomUUID(), links.expiry()));
    const flipped = `${sig!.slice(0, -1)}${sig!.endsWith('0') ? '1' : '0'}`;
    assert.equal(links.check(randomUUID(), exp, sig), 'forged');
    assert.equal(links.check(id, String(Number(exp) + 3600), sig), 'forged');
    assert.equal(links.check(id, exp, flipped), 'forged');
    assert.equal(links.check(id, exp, null), 'forged');
    assert.equal(links.check(id, null, sig), 'forged');
    assert.equal(links.check(id, exp, 'short'), 'forged');
    assert.equal(links.check('../../etc/passwd', exp, sig), 'forged');
  });

  it('when a genuine link is past its expiry, then it is expired (and one second before, ok)', () => {
    const made = linksAt(T0);
    const { id, exp, sig } = parts(made.urlFor(randomUUID(), made.expiry()));
    assert.equal(linksAt(new Date(T0.getTime() + 899_000)).check(id, exp, sig), 'ok');
    assert.equal(linksAt(new Date(T0.getTime() + 900_000)).check(id, exp, sig), 'expired');
  });

  it('when another key signed the link (another deployment, or a random per-process key), then it is forged', () => {
    const made = linksAt(T0, null);
    const { id, exp, sig } = parts(made.urlFor(randomUUID(), made.expiry()));
    assert.equal(made.check(id, exp, sig), 'ok');
    assert.equal(linksAt(T0).check(id, exp, sig), 'forged');
    assert.equal(linksAt(T0, null).check(id, exp, sig), 'forged');
  });
});
