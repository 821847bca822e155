import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';

import { isAllowedServiceUrl } from '../../bot/service-url-guard';
import { cardAction, DEMO, message, personalChat } from '../helpers/activities';
import { postActivity, startTokenIssuer, type ChannelTokenIssuer } from '../helpers/tokens';
import { cardOf, textOf } from '../helpers/warden';
import { graphCalls, startSecurityHarness, type SecurityHarness } from './harness';

const KARITA = 'karita@woodgrovebank.com';
const TEAMS_HOSTS = ['smba.trafficmanager.net', 'smba.infra.gcc.teams.microsoft.com'];

/** A server that records whatever reaches it: the place a forged serviceUrl would make Warden send its replies. */
class Recorder {
  readonly hits: { method: string; url: string; authorization: string | undefined }[] = [];
  private server: Server | null = null;

  async start(host: string): Promise<string> {
    this.server = createServer((req, res) => {
      this.hits.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
      });
      req.resume();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"id":"1"}');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const nonLoopbackAddress = (): string | null =>
  Object.values(networkInterfaces())
    .flat()
    .find((address) => address && !address.internal && address.family === 'IPv4')?.address ?? null;

const question = (serviceUrl: string, deliveryMode?: 'expectReplies') => ({
  ...message(personalChat(serviceUrl), DEMO.alex, `user details for ${KARITA}`),
  ...(deliveryMode ? { deliveryMode } : {}),
});

describe('replies go only to allowed service URLs', function () {
  this.timeout(30_000);

  describe('isAllowedServiceUrl', () => {
    const withAppId = { localMode: false, allowedServiceUrls: TEAMS_HOSTS };
    const local = { localMode: true, allowedServiceUrls: TEAMS_HOSTS };

    const cases: [string, unknown, boolean, boolean][] = [
      // serviceUrl, allowed with an app id, allowed in local mode
      ['the public Teams connector', 'https://smba.trafficmanager.net/amer/', true, false],
      ['a regional subdomain of it', 'https://emea.smba.trafficmanager.net/teams/', true, false],
      ['upper case and a trailing dot', 'https://SMBA.TrafficManager.NET./amer/', true, false],
      ['the GCC connector', 'https://smba.infra.gcc.teams.microsoft.com/gcc/', true, false],
      [
        'another trafficmanager.net name (anyone can register one)',
        'https://evil.trafficmanager.net/',
        false,
        false,
      ],
      ['a look-alike prefix', 'https://evilsmba.trafficmanager.net/', false, false],
      [
        'the allowed host as a subdomain of another',
        'https://smba.trafficmanager.net.evil.example/',
        false,
        false,
      ],
      ['the allowed host as user info', 'https://smba.trafficmanager.net@evil.example/amer/', false, false],
      [
        'user info in front of the allowed host',
        'https://user:pass@smba.trafficmanager.net/amer/',
        false,
        false,
      ],
      ['the allowed host over plain http', 'http://smba.trafficmanager.net/amer/', false, false],
      ['a javascript: URL', 'javascript:alert(1)//smba.trafficmanager.net', false, false],
      ['a file: URL', 'file:///etc/passwd', false, false],
      ['the cloud metadata endpoint', 'http://169.254.169.254/latest/meta-data/', false, false],
      ['a private address', 'http://10.0.0.5:8080/', false, false],
      ['loopback 127.0.0.1', 'http://127.0.0.1:3978/', false, true],
      ['elsewhere in 127.0.0.0/8', 'http://127.10.20.30:3978/', false, true],
      ['loopback in hex (normalised by the URL parser)', 'http://0x7f.1:3978/', false, true],
      ['localhost', 'http://localhost:56000/', false, true],
      ['IPv6 loopback', 'http://[::1]:56000/', false, true],
      ['a name that starts with localhost', 'http://localhost.evil.example/', false, false],
      ['a wildcard-DNS name for 127.0.0.1', 'http://127.0.0.1.nip.io/', false, false],
      ['0.0.0.0', 'http://0.0.0.0:3978/', false, false],
      ['an empty string', '', false, false],
      ['no serviceUrl', undefined, false, false],
      ['a number', 42, false, false],
      ['an object', { host: 'smba.trafficmanager.net' }, false, false],
      ['not a URL', 'smba.trafficmanager.net', false, false],
      ['a 3 KB URL', `https://smba.trafficmanager.net/${'a'.repeat(3000)}`, false, false],
    ];

    for (const [name, serviceUrl, appIdAllowed, localAllowed] of cases) {
      it(`when the serviceUrl is ${name}, then it is ${appIdAllowed ? 'allowed' : 'refused'} with an app id and ${localAllowed ? 'allowed' : 'refused'} in local mode`, () => {
        assert.equal(isAllowedServiceUrl(serviceUrl, withAppId), appIdAllowed);
        assert.equal(isAllowedServiceUrl(serviceUrl, local), localAllowed);
      });
    }

    it('when the allowlist names a URL instead of a host, then its host is what counts', () => {
      const policy = { localMode: false, allowedServiceUrls: ['https://smba.trafficmanager.net/amer/'] };
      assert.equal(isAllowedServiceUrl('https://smba.trafficmanager.net/emea/', policy), true);
      assert.equal(isAllowedServiceUrl('https://evil.example/', policy), false);
    });

    it('when the allowlist is empty, then nothing is allowed with an app id', () => {
      assert.equal(
        isAllowedServiceUrl('https://smba.trafficmanager.net/amer/', {
          localMode: false,
          allowedServiceUrls: [],
        }),
        false,
      );
    });
  });

  describe('with an app id, over HTTP, behind a valid channel token', () => {
    let issuer: ChannelTokenIssuer;
    let harness: SecurityHarness;
    const recorder = new Recorder();
    let attackerUrl: string;

    before(async () => {
      issuer = await startTokenIssuer();
      harness = await startSecurityHarness({
        ...issuer.env(),
        ALLOWED_SERVICE_URLS: 'smba.trafficmanager.net,127.0.0.1',
      });
      // Loopback, but not on the allowlist: with an app id only the listed hosts count.
      attackerUrl = (await recorder.start('127.0.0.1')).replace('127.0.0.1', 'localhost');
    });

    after(async () => {
      await harness?.stop();
      await issuer?.stop();
      await recorder.stop();
    });

    beforeEach(() => harness.server.demoTenant?.requestLog.clear());

    const post = (activity: { serviceUrl: string }) =>
      postActivity(
        harness.server.url,
        activity,
        `Bearer ${issuer.sign({ serviceUrl: activity.serviceUrl })}`,
      );

    it('when the serviceUrl is an allowed Teams host (answered in the response), then the answer comes', async () => {
      const { status, body } = await post(question('https://smba.trafficmanager.net/amer/', 'expectReplies'));
      assert.equal(status, 200);
      const replies = (body as { activities: Record<string, unknown>[] }).activities;
      const answer = replies.find((reply) => Array.isArray(reply.attachments));
      assert.ok(answer, 'an answer');
      assert.match(textOf(cardOf(answer)), new RegExp(KARITA));
      assert.ok(graphCalls(harness.server).length > 0);
    });

    it('when the serviceUrl is a subdomain of an allowed host, then the answer comes', async () => {
      const { body } = await post(question('https://amer.smba.trafficmanager.net/teams/', 'expectReplies'));
      assert.ok((body as { activities: unknown[] }).activities.length > 0);
    });

    const refused = [
      ['another trafficmanager.net name', 'https://evil.trafficmanager.net/amer/'],
      ['the allowed host under another domain', 'https://smba.trafficmanager.net.evil.example/'],
      ['the allowed host as user info', 'https://smba.trafficmanager.net@evil.example/'],
      ['the allowed host over plain http', 'http://smba.trafficmanager.net/amer/'],
    ];
    for (const [name, serviceUrl] of refused) {
      it(`when the signed serviceUrl is ${name}, then no reply and no Graph call`, async () => {
        const activity = question(serviceUrl, 'expectReplies');
        const { status, body } = await post(activity);
        assert.equal(status, 200, 'the token was valid: it is the guard that stops it');
        assert.deepEqual((body as { activities: unknown[] }).activities, []);
        assert.deepEqual(graphCalls(harness.server), []);
      });
    }

    it('when a signed activity names a loopback host not on the allowlist, then nothing reaches it, Graph is not called, and a warning names the activity but not the token', async () => {
      const activity = question(attackerUrl);
      const token = issuer.sign({ serviceUrl: activity.serviceUrl });
      const { status } = await postActivity(harness.server.url, activity, `Bearer ${token}`);
      assert.equal(status, 200);
      assert.deepEqual(recorder.hits, []);
      assert.deepEqual(graphCalls(harness.server), []);
      assert.equal(harness.connector.calls.length, 0);
      const warning = harness.logs.find((line) => line.activityId === activity.id);
      assert.ok(warning, 'a warning with the activity id');
      assert.equal(warning.level, 40);
      assert.equal(warning.serviceUrlHost, 'localhost');
      assert.ok(!harness.logText().includes(token.split('.')[2]), 'no token in the log');
    });

    it('when a signed card click names a disallowed serviceUrl, then the invoke is refused with 403 and nothing runs', async () => {
      const chat = personalChat('https://evil.trafficmanager.net/amer/');
      const { status } = await post(cardAction(chat, DEMO.adele, 'action.confirm', { actionId: 'x' }));
      assert.equal(status, 403);
      assert.deepEqual(graphCalls(harness.server), []);
    });
  });

  describe('in local mode, over HTTP', () => {
    let harness: SecurityHarness;
    const recorder = new Recorder();
    let elsewhere: string | null = null;

    before(async () => {
      harness = await startSecurityHarness();
      const address = nonLoopbackAddress();
      if (address) elsewhere = await recorder.start(address);
    });

    after(async () => {
      await harness?.stop();
      await recorder.stop();
    });

    beforeEach(() => harness.server.demoTenant?.requestLog.clear());

    it('when the serviceUrl is the local connector, then the answer arrives there', async () => {
      const activity = question(harness.connector.url);
      const { status } = await postActivity(harness.server.url, activity);
      assert.equal(status, 200);
      assert.ok(harness.connector.messages(activity.conversation.id).length > 0);
      assert.ok(graphCalls(harness.server).length > 0);
    });

    it('when the serviceUrl is a real Teams host, then nothing is answered and Graph is not called', async () => {
      const { status, body } = await postActivity(
        harness.server.url,
        question('https://smba.trafficmanager.net/amer/', 'expectReplies'),
      );
      assert.equal(status, 200);
      assert.deepEqual((body as { activities: unknown[] }).activities, []);
      assert.deepEqual(graphCalls(harness.server), []);
    });

    it('when the serviceUrl is another machine on the network, then nothing is sent there and Graph is not called', async function () {
      if (!elsewhere) this.skip();
      const activity = question(elsewhere as string);
      const { status } = await postActivity(harness.server.url, activity);
      assert.equal(status, 200);
      // Give a stray send time to land before concluding none was made.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(recorder.hits, []);
      assert.deepEqual(graphCalls(harness.server), []);
      assert.ok(harness.logs.some((line) => line.activityId === activity.id && line.level === 40));
    });

    it('when an activity has no serviceUrl at all, then nothing runs', async () => {
      const { serviceUrl: _unused, ...activity } = question(harness.connector.url, 'expectReplies');
      const { status } = await postActivity(harness.server.url, activity);
      assert.ok(status < 500, `status ${status}`);
      assert.deepEqual(graphCalls(harness.server), []);
    });
  });
});
