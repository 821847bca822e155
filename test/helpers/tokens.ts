import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import * as jwt from 'jsonwebtoken';

/** What Bot Framework puts in a channel token's `iss`; the tests' own issuer uses the same value. */
export const CHANNEL_ISSUER = 'https://api.botframework.com';

/** The app id the bot under test is registered with (the token's audience). */
export const TEST_APP_ID = '6f1d2b0e-5c1a-4f7b-9a8e-3c2d1e0f9a7b';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface ChannelTokenOptions {
  /** The activity's serviceUrl: Bot Framework signs it into the `serviceurl` claim, and the bot compares them exactly. */
  serviceUrl: string;
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative is in the past. */
  notBefore?: number;
  expiresIn?: number;
  /** Sign with this key instead of the published one (e.g. a key the metadata does not list). */
  key?: SigningKey;
  /** The `kid` header; defaults to the signing key's. */
  kid?: string;
  algorithm?: jwt.Algorithm;
  /** Extra or replacement claims. */
  claims?: Record<string, unknown>;
}

/**
 * A stand-in for login.botframework.com: serves an OpenID configuration and a JWKS on loopback in the shape Bot
 * Framework publishes (keys with `kid`, `kty`, `n`, `e` and `endorsements`), and signs channel tokens the way the
 * connector service does. botframework-connector (4.23, `jwtTokenExtractor.js` and
 * `parameterizedBotFrameworkAuthentication.js`) checks, in this order: scheme `Bearer`, `iss` in the allowed list
 * (before the signature), the key looked up by `kid` in the JWKS, `jsonwebtoken.verify` with RS256/384/512 and a
 * 300 s clock tolerance on `exp` and `nbf`, the key's endorsements against the activity's channelId, then `iss` again,
 * `aud` == the app id, and `serviceurl` == the activity's serviceUrl when the activity has one.
 */
export class ChannelTokenIssuer {
  readonly published: SigningKey;
  private server: Server | null = null;
  private origin = '';
  /** How many times the JWKS was fetched: the connector caches keys per metadata URL for the whole process. */
  keyFetches = 0;

  constructor(private readonly endorsements: readonly string[] = ['msteams']) {
    this.published = newSigningKey();
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/v1/.well-known/openidconfiguration') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(this.openIdConfiguration()));
      } else if (path === '/v1/.well-known/keys') {
        this.keyFetches += 1;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ keys: [this.jwk(this.published)] }));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** BOT_OPENID_METADATA_URL. Unique per issuer, so the connector's process-wide key cache never mixes test runs. */
  get metadataUrl(): string {
    return `${this.origin}/v1/.well-known/openidconfiguration`;
  }

  /** The settings that point the bot at this issuer. */
  env(appId = TEST_APP_ID): Record<string, string> {
    return {
      MicrosoftAppId: appId,
      MicrosoftAppPassword: 'test-only-password-not-a-secret',
      BOT_OPENID_METADATA_URL: this.metadataUrl,
      BOT_TOKEN_ISSUER: CHANNEL_ISSUER,
    };
  }

  sign(options: ChannelTokenOptions): string {
    const key = options.key ?? this.published;
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      serviceurl: options.serviceUrl,
      iss: options.issuer ?? CHANNEL_ISSUER,
      aud: options.audience ?? TEST_APP_ID,
      nbf: now + (options.notBefore ?? -60),
      exp: now + (options.expiresIn ?? 3600),
      ...options.claims,
    };
    return jwt.sign(payload, key.privateKey, {
      algorithm: options.algorithm ?? 'RS256',
      keyid: options.kid ?? key.kid,
    });
  }

  /** An unsigned token (`alg: none`) naming the published key, as an attacker would forge one. */
  unsigned(options: ChannelTokenOptions): string {
    const signed = this.sign(options);
    const [, payload] = signed.split('.');
    const header = Buffer.from(
      JSON.stringify({ alg: 'none', typ: 'JWT', kid: options.kid ?? this.published.kid }),
    ).toString('base64url');
    return `${header}.${payload}.`;
  }

  private openIdConfiguration() {
    return {
      issuer: CHANNEL_ISSUER,
      authorization_endpoint: `${this.origin}/v1/.well-known/authorize`,
      jwks_uri: `${this.origin}/v1/.well-known/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
    };
  }

  private jwk(key: SigningKey) {
    const { n, e } = key.publicKey.export({ format: 'jwk' });
    return { kty: 'RSA', use: 'sig', kid: key.kid, n, e, endorsements: [...this.endorsements] };
  }
}

export const newSigningKey = (): SigningKey => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: randomUUID(), privateKey, publicKey };
};

export const startTokenIssuer = async (endorsements?: readonly string[]): Promise<ChannelTokenIssuer> => {
  const issuer = new ChannelTokenIssuer(endorsements);
  await issuer.start();
  return issuer;
};

/** POSTs an activity as a channel would, with an optional Authorization header; returns status and parsed body. */
export const postActivity = async (
  botUrl: string,
  activity: object,
  authorization?: string,
): Promise<{ status: number; body: unknown }> => {
  const response = await fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(authorization === undefined ? {} : { Authorization: authorization }),
    },
    body: JSON.stringify(activity),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Error bodies are sometimes plain text.
  }
  return { status: response.status, body };
};
