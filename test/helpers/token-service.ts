import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenServiceCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/**
 * A stand-in for the Bot Framework Token Service (`OAuthUrl`, api.botframework.com) on loopback, speaking the routes
 * botframework-connector 4.23's TokenApiClient calls: `GET api/usertoken/GetToken`, `POST api/usertoken/exchange`
 * and `GET api/botsignin/GetSignInResource`. It holds, per Bot Framework user id, the token a signed-in person's
 * Teams SSO token was exchanged for (the assertion Warden's on-behalf-of flow redeems).
 */
export class LoopbackTokenService {
  readonly calls: TokenServiceCall[] = [];
  /** userId → the stored token, for people already signed in. */
  readonly signedIn = new Map<string, string>();
  /** Teams SSO token → what exchanging it yields, and for whom. Unknown tokens are refused (consent required). */
  readonly exchangeable = new Map<string, { userId: string; token: string }>();
  /** Magic codes of the sign-in pop-up → the person and token they complete. */
  readonly magicCodes = new Map<string, { userId: string; token: string }>();
  private server: Server | null = null;
  private origin = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void readJson(req).then((body) => {
        const { status, json } = this.answer(req, body);
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(json));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.origin;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** BOT_OAUTH_URL. */
  get url(): string {
    return this.origin;
  }

  private answer(req: IncomingMessage, body: unknown): { status: number; json: unknown } {
    const url = new URL(req.url ?? '/', this.origin);
    const path = url.pathname.toLowerCase();
    this.calls.push({ method: req.method ?? 'GET', path, query: url.searchParams, body });
    const userId = url.searchParams.get('userId') ?? '';
    const connectionName = url.searchParams.get('connectionName') ?? '';
    const channelId = url.searchParams.get('channelId') ?? '';
    const tokenResponse = (token: string) => ({
      channelId,
      connectionName,
      token,
      expiration: new Date(Date.now() + 3_600_000).toISOString(),
    });
    if (req.method === 'GET' && path === '/api/usertoken/gettoken') {
      const code = url.searchParams.get('code');
      const redeemed = code ? this.magicCodes.get(code) : undefined;
      if (redeemed && redeemed.userId === userId) {
        this.magicCodes.delete(code!);
        this.signedIn.set(userId, redeemed.token);
      }
      const token = this.signedIn.get(userId);
      return token ? { status: 200, json: tokenResponse(token) } : { status: 404, json: {} };
    }
    if (req.method === 'POST' && path === '/api/usertoken/exchange') {
      const sso = (body as { token?: unknown } | null)?.token;
      const exchange = typeof sso === 'string' ? this.exchangeable.get(sso) : undefined;
      if (!exchange || exchange.userId !== userId) {
        return {
          status: 400,
          json: { error: { code: 'ConsentRequired', message: 'The user has not consented.' } },
        };
      }
      this.signedIn.set(userId, exchange.token);
      return { status: 200, json: tokenResponse(exchange.token) };
    }
    if (req.method === 'GET' && path === '/api/botsignin/getsigninresource') {
      return {
        status: 200,
        json: {
          signInLink: `https://token.botframework.com/api/oauth/signin?signin=${randomUUID()}`,
          tokenExchangeResource: {
            id: randomUUID(),
            uri: 'api://botid-6f1d2b0e-5c1a-4f7b-9a8e-3c2d1e0f9a7b',
            providerId: 'b1f8a3c4-0000-4000-8000-00000000aad0',
          },
        },
      };
    }
    return { status: 404, json: { error: { code: 'NotFound', message: `no route ${path}` } } };
  }
}

/** The exchange state Warden's sign-in card was created with (base64 JSON from the `state` query parameter). */
export const signInStateOf = (call: TokenServiceCall): Record<string, unknown> =>
  JSON.parse(Buffer.from(call.query.get('state') ?? '', 'base64').toString('utf8')) as Record<
    string,
    unknown
  >;

const readJson = (req: IncomingMessage): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : null);
      } catch {
        resolve(text);
      }
    });
    req.on('error', reject);
  });
