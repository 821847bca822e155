import { strict as assert } from 'node:assert';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ConfigurationServiceClientCredentialFactory, type Activity } from 'botbuilder';
import {
  AuthenticationConstants,
  ClaimsIdentity,
  ConnectorClient,
  ConnectorFactory,
  type UserTokenClient,
} from 'botframework-connector';

import { ChannelAuthentication } from '../../bot/channel-auth';
import { ClientReuse } from '../../bot/client-reuse';
import { CONNECTOR_BODY_POLICY } from '../../bot/connector-body';
import { renderNoticeCard } from '../../cards/notice';
import { cardBytes, withFeedbackFooter } from '../../cards/render';
import { DEMO, message, personalChat } from '../helpers/activities';
import { LocalConnector } from '../helpers/connector';
import { startHarness, textOf, cardOf, type Harness } from '../helpers/warden';

/** A factory that counts what it builds, and fails while `failing` is set. */
class CountingFactory extends ConnectorFactory {
  built: { serviceUrl: string; audience?: string }[] = [];
  failing = false;

  async create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    this.built.push({ serviceUrl, audience });
    if (this.failing) throw new Error('no credentials right now');
    return { serviceUrl, audience, n: this.built.length } as unknown as ConnectorClient;
  }
}

const claimsFor = (appId: string | null) =>
  new ClaimsIdentity(appId ? [{ type: AuthenticationConstants.AudienceClaim, value: appId }] : [], !!appId);

describe('reusing Bot Framework clients across turns (bot/client-reuse)', () => {
  it('when the same app sends to the same service URL and audience, then the client built first is reused', async () => {
    const reuse = new ClientReuse();
    const factory = new CountingFactory();
    const first = await reuse
      .connectorFactory(factory, claimsFor('app-1'))
      .create('https://smba/emea/', 'aud');
    const again = await reuse
      .connectorFactory(factory, claimsFor('app-1'))
      .create('https://smba/emea/', 'aud');
    assert.equal(again, first);
    assert.equal(factory.built.length, 1);
  });

  it('when the app, the service URL or the audience differs, then each gets its own client', async () => {
    const reuse = new ClientReuse();
    const factory = new CountingFactory();
    const clients = await Promise.all([
      reuse.connectorFactory(factory, claimsFor('app-1')).create('https://smba/emea/', 'aud'),
      reuse.connectorFactory(factory, claimsFor('app-2')).create('https://smba/emea/', 'aud'),
      reuse.connectorFactory(factory, claimsFor('app-1')).create('https://smba/amer/', 'aud'),
      reuse.connectorFactory(factory, claimsFor('app-1')).create('https://smba/emea/', 'other'),
      reuse.connectorFactory(factory, claimsFor('app-1')).create('https://smba/emea/'),
      reuse.connectorFactory(factory, claimsFor(null)).create('https://smba/emea/', 'aud'),
    ]);
    assert.equal(new Set(clients).size, 6);
    assert.equal(factory.built.length, 6);
  });

  it('when turns arrive together, then they share one build', async () => {
    const reuse = new ClientReuse();
    const factory = new CountingFactory();
    const clients = await Promise.all(
      Array.from({ length: 5 }, () =>
        reuse.connectorFactory(factory, claimsFor('a')).create('https://smba/', 'x'),
      ),
    );
    assert.equal(new Set(clients).size, 1);
    assert.equal(factory.built.length, 1);
  });

  it('when building a client fails, then the failure is not kept and the next turn builds again', async () => {
    const reuse = new ClientReuse();
    const factory = new CountingFactory();
    factory.failing = true;
    await assert.rejects(
      reuse.connectorFactory(factory, claimsFor('a')).create('https://smba/', 'x'),
      /no credentials/,
    );
    factory.failing = false;
    const client = await reuse.connectorFactory(factory, claimsFor('a')).create('https://smba/', 'x');
    assert.ok(client);
    assert.equal(factory.built.length, 2);
  });

  it('when more than 64 service URLs were used, then the oldest client is dropped and built again on its next use', async () => {
    const reuse = new ClientReuse();
    const factory = new CountingFactory();
    const create = (index: number) =>
      reuse.connectorFactory(factory, claimsFor('a')).create(`https://smba/${index}/`, 'x');
    for (let index = 0; index <= 64; index += 1) await create(index);
    assert.equal(factory.built.length, 65);
    await create(64);
    assert.equal(factory.built.length, 65, 'the newest is still kept');
    await create(0);
    assert.equal(factory.built.length, 66, 'the oldest was dropped');
  });

  it('when user-token clients are asked for, then one is kept per app', async () => {
    const reuse = new ClientReuse();
    let built = 0;
    const create = async () => ({ n: (built += 1) }) as unknown as UserTokenClient;
    const first = await reuse.userTokenClient(claimsFor('app-1'), create);
    assert.equal(await reuse.userTokenClient(claimsFor('app-1'), create), first);
    assert.notEqual(await reuse.userTokenClient(claimsFor('app-2'), create), first);
    assert.equal(built, 2);
  });

  it('when the library authenticates a turn, then its factory hands out one real ConnectorClient per service URL', async () => {
    const auth = new ChannelAuthentication({}, new ConfigurationServiceClientCredentialFactory({}));
    const activity = message(personalChat('http://127.0.0.1:1/'), DEMO.alex, 'hi') as unknown as Activity;
    const one = await auth.authenticateRequest(activity, '');
    const two = await auth.authenticateRequest(activity, '');
    const client = await one.connectorFactory!.create('http://127.0.0.1:1/', one.audience);
    assert.ok(client instanceof ConnectorClient);
    assert.equal(await two.connectorFactory!.create('http://127.0.0.1:1/', two.audience), client);
    const elsewhere = await two.connectorFactory!.create('http://127.0.0.1:2/', two.audience);
    assert.notEqual(elsewhere, client);
    assert.equal(
      await auth.createConnectorFactory(one.claimsIdentity).create('http://127.0.0.1:1/', one.audience),
      client,
    );
  });

  describe('the bodies a reused client sends (bot/connector-body)', () => {
    let server: Server;
    let received: { headers: IncomingHttpHeaders; body: Buffer }[];
    let failNext: number | null;
    let client: ConnectorClient;

    before(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks) });
          const status = failNext ?? 200;
          failNext = null;
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(
            status === 200
              ? `{"id":"sent-${received.length}"}`
              : '{"error":{"code":"BadArgument","message":"no"}}',
          );
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const auth = new ChannelAuthentication({}, new ConfigurationServiceClientCredentialFactory({}));
      const turn = await auth.authenticateRequest(
        message(personalChat(serviceUrl), DEMO.alex, 'hi') as unknown as Activity,
        '',
      );
      client = await turn.connectorFactory!.create(serviceUrl, turn.audience);
      assert.equal(
        await turn.connectorFactory!.create(serviceUrl, turn.audience),
        client,
        'the client is reused',
      );
    });

    beforeEach(() => {
      received = [];
      failNext = null;
    });

    after(async () => {
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    });

    /** The only request the server received: its body parsed, after checking its Content-Length against its bytes. */
    const onlyBody = (): Record<string, unknown> => {
      assert.equal(received.length, 1);
      const [{ headers, body }] = received;
      assert.equal(headers['content-length'], String(body.length));
      assert.equal(headers['transfer-encoding'], undefined);
      assert.doesNotMatch(body.toString('utf8'), /warden-card-json:(?!0{32}:)/, 'no placeholder is left');
      return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    };

    /** A card as answers are made: rendered, measured, and a footer appended (so its JSON is derived, not made). */
    const measuredCard = (lines: string[]) => {
      const card = renderNoticeCard({
        kicker: 'Sign-in logs',
        title: 'Karita',
        attention: true,
        lines,
        choices: [],
      });
      cardBytes(card);
      return withFeedbackFooter(card, 'response-1');
    };
    const adaptive = (content: unknown) => ({
      contentType: 'application/vnd.microsoft.card.adaptive',
      content,
    });

    it('is in the pipeline once, after serialization and before retries', () => {
      const policies = (
        client as unknown as { client: { pipeline: { getOrderedPolicies(): { name: string }[] } } }
      ).client.pipeline
        .getOrderedPolicies()
        .map((policy) => policy.name);
      assert.equal(policies.filter((name) => name === CONNECTOR_BODY_POLICY).length, 1);
      assert.ok(policies.indexOf(CONNECTOR_BODY_POLICY) > policies.indexOf('serializationPolicy'));
      assert.ok(policies.indexOf(CONNECTOR_BODY_POLICY) < policies.indexOf('defaultRetryPolicy'));
    });

    it('when an activity has no card, then its body is the JSON as UTF-8 bytes with their exact Content-Length', async () => {
      const text = `👍 👎 — Zürich · 東京 ${'x'.repeat(70_000)}`;
      const sent = await client.conversations.replyToActivity('conversation-1', 'activity-1', {
        type: 'message',
        text,
      });
      assert.equal(sent.id, 'sent-1');
      assert.deepEqual(onlyBody(), { type: 'message', text });
    });

    it('when a reply, a new message and an update carry measured cards, then each card arrives exactly as rendered', async () => {
      const first = measuredCard(['Failure 50126 — 👍 東京 "quoted" \\ back\nslash', 'x'.repeat(30_000)]);
      const second = measuredCard(['second card']);
      const activity = {
        type: 'message',
        text: 'the answer',
        attachments: [
          adaptive(first),
          { contentType: 'text/plain', content: 'not a card' },
          adaptive(second),
        ],
      };
      const expected = JSON.parse(JSON.stringify(activity)) as unknown;
      await client.conversations.replyToActivity('conversation-1', 'activity-1', activity);
      assert.deepEqual(onlyBody(), expected);
      // The JSON made when the card was measured lists body and actions last, unlike JSON.stringify of the card.
      const raw = received[0].body.toString('utf8');
      assert.ok(raw.indexOf('"$schema"') < raw.indexOf('"body"'), 'the card went as the JSON it already had');
      received = [];
      await client.conversations.sendToConversation('conversation-1', activity);
      assert.deepEqual(onlyBody(), expected);
      received = [];
      await client.conversations.updateActivity('conversation-1', 'sent-1', { ...activity, id: 'sent-1' });
      assert.deepEqual(onlyBody(), { ...(expected as object), id: 'sent-1' });
      assert.equal(activity.attachments[0].content, first, "the caller's activity is not changed");
    });

    it('when a card was never measured, or a string only looks like a placeholder, then both are sent as they are', async () => {
      const unmeasured = {
        type: 'AdaptiveCard',
        version: '1.5',
        body: [{ type: 'TextBlock', text: 'plain' }],
      };
      const lookalike = 'warden-card-json:00000000000000000000000000000000:1';
      const activity = {
        type: 'message',
        text: lookalike,
        attachments: [adaptive(unmeasured), adaptive(lookalike)],
      };
      await client.conversations.replyToActivity('conversation-1', 'activity-1', activity);
      assert.deepEqual(onlyBody(), JSON.parse(JSON.stringify(activity)));
    });

    it('when a send fails, then the error reaches the caller and the next send carries its card', async () => {
      const card = measuredCard(['after a failure']);
      failNext = 400;
      await assert.rejects(
        client.conversations.replyToActivity('conversation-1', 'activity-1', {
          type: 'message',
          attachments: [adaptive(card)],
        }),
      );
      received = [];
      await client.conversations.replyToActivity('conversation-1', 'activity-1', {
        type: 'message',
        attachments: [adaptive(card)],
      });
      assert.deepEqual(onlyBody(), {
        type: 'message',
        attachments: [JSON.parse(JSON.stringify(adaptive(card)))],
      });
    });
  });

  describe('over HTTP', function () {
    this.timeout(30_000);
    let harness: Harness;
    let other: LocalConnector;

    before(async () => {
      harness = await startHarness();
      other = new LocalConnector();
      await other.start();
    });

    after(async () => {
      await other?.stop();
      await harness?.stop();
    });

    it('when turns alternate between two service URLs, then every reply goes to the service URL its turn came from', async () => {
      for (let round = 0; round < 3; round += 1) {
        for (const connector of [harness.connector, other]) {
          const where = personalChat(connector.url);
          const before = connector.messages(where.conversationId).length;
          const { status } = await harness.post(
            message(where, DEMO.alex, 'Give me all user details for karita@woodgrovebank.com'),
          );
          assert.ok(status < 300);
          await connector.waitFor(() => connector.messages(where.conversationId).length > before);
          const reply = connector.messages(where.conversationId).at(-1)!;
          assert.match(textOf(cardOf(reply)), /karita@woodgrovebank\.com/);
          const elsewhere = connector === other ? harness.connector : other;
          assert.equal(
            elsewhere.messages(where.conversationId).length,
            0,
            'nothing went to the other service URL',
          );
        }
      }
    });
  });
});
