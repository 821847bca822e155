import { strict as assert } from 'node:assert';
import { createHmac } from 'node:crypto';

import * as sinon from 'sinon';

import { startServer } from '../../bot/index';
import { DEMO, message, personalChat } from '../helpers/activities';
import {
  newSigningKey,
  postActivity,
  startTokenIssuer,
  TEST_APP_ID,
  type ChannelTokenIssuer,
  type ChannelTokenOptions,
} from '../helpers/tokens';
import { cardOf, textOf } from '../helpers/warden';
import { graphCalls, startSecurityHarness, type SecurityHarness } from './harness';

const KARITA = 'karita@woodgrovebank.com';

/** A question from a responder that makes Warden call Graph if it gets through; `expectReplies` needs no outbound token. */
const question = (serviceUrl: string) => ({
  ...message(personalChat(serviceUrl), DEMO.alex, `sign-in logs for ${KARITA} for the past 48 hours`),
  deliveryMode: 'expectReplies',
});

/** HS256 signed with the published RSA public key as the HMAC secret: the classic algorithm-confusion forgery. */
const hmacWithPublicKey = (issuer: ChannelTokenIssuer, options: ChannelTokenOptions): string => {
  const [, payload] = issuer.sign(options).split('.');
  const header = Buffer.from(
    JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: issuer.published.kid }),
  ).toString('base64url');
  const secret = issuer.published.publicKey.export({ format: 'pem', type: 'spki' });
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
};

describe('Bot Framework authentication of /api/messages', function () {
  this.timeout(30_000);

  describe('when Warden has an app id', () => {
    let issuer: ChannelTokenIssuer;
    let harness: SecurityHarness;
    let serviceUrl: string;
    const sandbox = sinon.createSandbox();
    /** botbuilder's CloudAdapter reports every refused request with console.error; the tests read it instead. */
    let consoleError: sinon.SinonStub;

    before(async () => {
      issuer = await startTokenIssuer();
      harness = await startSecurityHarness({ ...issuer.env(), ALLOWED_SERVICE_URLS: '127.0.0.1' });
      serviceUrl = harness.connector.url;
    });

    after(async () => {
      await harness?.stop();
      await issuer?.stop();
    });

    beforeEach(() => {
      harness.server.demoTenant?.requestLog.clear();
      consoleError = sandbox.stub(console, 'error');
    });

    afterEach(() => sandbox.restore());

    it('when the channel token is valid, then the question is answered (200) from Graph', async () => {
      const activity = question(serviceUrl);
      const { status, body } = await postActivity(
        harness.server.url,
        activity,
        `Bearer ${issuer.sign({ serviceUrl })}`,
      );
      assert.equal(status, 200);
      const replies = (body as { activities: Record<string, unknown>[] }).activities;
      const answer = replies.find((reply) => Array.isArray(reply.attachments));
      assert.ok(answer, `an answer card among ${replies.length} replies`);
      assert.match(textOf(cardOf(answer)), /sign-ins? in the last 2 days/);
      assert.ok(graphCalls(harness.server).length > 0, 'Graph was asked: the refusals below are meaningful');
      assert.equal(harness.connector.calls.length, 0, 'expectReplies: nothing went to the connector');
    });

    const refusals: { when: string; authorization: (serviceUrl: string) => string | undefined }[] = [
      { when: 'there is no Authorization header', authorization: () => undefined },
      { when: 'the Authorization header is empty', authorization: () => '' },
      {
        when: 'the scheme is not Bearer',
        authorization: (url) => `Basic ${issuer.sign({ serviceUrl: url })}`,
      },
      { when: 'the bearer token is not a JWT', authorization: () => 'Bearer not-a-jwt' },
      {
        when: 'the token is for another app (wrong audience)',
        authorization: (url) =>
          `Bearer ${issuer.sign({ serviceUrl: url, audience: '00000000-1111-4222-8333-444444444444' })}`,
      },
      {
        when: 'the token has no audience',
        authorization: (url) => `Bearer ${issuer.sign({ serviceUrl: url, claims: { aud: undefined } })}`,
      },
      {
        when: 'the token comes from another issuer',
        authorization: (url) =>
          `Bearer ${issuer.sign({ serviceUrl: url, issuer: 'https://evil.example.com' })}`,
      },
      {
        when: 'the token expired more than the 5-minute clock skew ago',
        authorization: (url) =>
          `Bearer ${issuer.sign({ serviceUrl: url, notBefore: -7200, expiresIn: -600 })}`,
      },
      {
        when: 'the token is not valid for another 10 minutes',
        authorization: (url) => `Bearer ${issuer.sign({ serviceUrl: url, notBefore: 600, expiresIn: 3600 })}`,
      },
      {
        when: 'the token is signed by another key under the published key id',
        authorization: (url) =>
          `Bearer ${issuer.sign({ serviceUrl: url, key: { ...newSigningKey(), kid: issuer.published.kid } })}`,
      },
      {
        when: 'the token is signed by a key the metadata does not list',
        authorization: (url) => `Bearer ${issuer.sign({ serviceUrl: url, key: newSigningKey() })}`,
      },
      {
        when: 'the token is unsigned (alg: none)',
        authorization: (url) => `Bearer ${issuer.unsigned({ serviceUrl: url })}`,
      },
      {
        when: 'the token is HS256-signed with the public key (algorithm confusion)',
        authorization: (url) => `Bearer ${hmacWithPublicKey(issuer, { serviceUrl: url })}`,
      },
      {
        when: "the token's serviceurl claim is not the activity's serviceUrl",
        authorization: () => `Bearer ${issuer.sign({ serviceUrl: 'https://smba.trafficmanager.net/amer/' })}`,
      },
    ];

    for (const refusal of refusals) {
      it(`when ${refusal.when}, then 401 and Graph is never called`, async () => {
        const { status } = await postActivity(
          harness.server.url,
          question(serviceUrl),
          refusal.authorization(serviceUrl),
        );
        assert.deepEqual(graphCalls(harness.server), [], 'nothing reached Graph');
        assert.equal(harness.connector.calls.length, 0, 'nothing was sent');
        assert.equal(status, 401);
      });
    }

    it("when the signing key is not endorsed for the activity's channel, then 401 and Graph is never called", async () => {
      const { status } = await postActivity(
        harness.server.url,
        { ...question(serviceUrl), channelId: 'webchat' },
        `Bearer ${issuer.sign({ serviceUrl })}`,
      );
      assert.equal(status, 401);
      assert.deepEqual(graphCalls(harness.server), []);
    });

    it('when a request is refused, then the token is not written to the log', async () => {
      const token = issuer.sign({ serviceUrl, audience: 'someone-else' });
      await postActivity(harness.server.url, question(serviceUrl), `Bearer ${token}`);
      const [, , signature] = token.split('.');
      assert.ok(!harness.logText().includes(signature), 'no token signature in the log');
      const printed = consoleError.getCalls().map((call) => String(call.args.map(String)));
      assert.ok(!printed.some((line) => line.includes(signature)), 'none on stderr either');
    });
  });

  describe('when Warden has no app id (local mode)', () => {
    it('when HOST asks for every interface, then it still listens on 127.0.0.1 only', async () => {
      const harness = await startSecurityHarness({ HOST: '0.0.0.0' });
      try {
        assert.match(harness.server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.equal(harness.server.config.bot.localMode, true);
        assert.ok(
          harness.logs.some((line) => line.level === 40 && /local mode/.test(line.msg)),
          'it says so at start-up',
        );
      } finally {
        await harness.stop();
      }
    });

    it('when NODE_ENV is production, then it refuses to start and says MicrosoftAppId is required', async () => {
      await assert.rejects(
        startServer({
          env: {
            PATH: process.env.PATH,
            PORT: '0',
            DEMO_TENANT_PORT: '0',
            NODE_ENV: 'production',
            LOG_LEVEL: 'silent',
          },
        }),
        (error: Error) => {
          assert.match(error.message, /MicrosoftAppId is required in production/);
          return true;
        },
      );
    });

    it('when NODE_ENV is production with an app id, then it starts and authenticates', async () => {
      const issuer = await startTokenIssuer();
      const harness = await startSecurityHarness({
        ...issuer.env(),
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        ALLOWED_SERVICE_URLS: '127.0.0.1',
      });
      const quiet = sinon.stub(console, 'error');
      try {
        assert.equal(harness.server.config.bot.appId, TEST_APP_ID);
        const { status } = await postActivity(harness.server.url, question(harness.connector.url));
        assert.equal(status, 401);
      } finally {
        quiet.restore();
        await harness.stop();
        await issuer.stop();
      }
    });
  });
});
