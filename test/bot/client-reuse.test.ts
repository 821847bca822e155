import { strict as assert } from 'node:assert';

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
