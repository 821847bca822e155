import { strict as assert } from 'node:assert';

import { ConfigError, DEMO_ACCESS, loadConfig } from '../../services/config';

describe('config', () => {
  it('when nothing is configured, then Warden runs on the demo tenant in local mode on loopback', () => {
    const config = loadConfig({});
    assert.equal(config.graph.mode, 'demo');
    assert.equal(config.bot.localMode, true);
    assert.equal(config.host, '127.0.0.1');
    assert.deepEqual(config.access.allowedTenants, [DEMO_ACCESS.tenantId]);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.access));
  });

  it('when production has no bot app id, then it refuses to start', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /MicrosoftAppId is required in production/);
  });

  it('when several settings are wrong, then one error lists them all', () => {
    try {
      loadConfig({ PORT: 'abc', GRAPH_CLIENT_ID: 'x', STORE: 'mongo' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.ok(error.problems.length >= 4, error.problems.join('\n'));
    }
  });

  it('when a real tenant is configured, then the demo access defaults do not apply', () => {
    assert.throws(
      () =>
        loadConfig({
          GRAPH_TENANT_ID: DEMO_ACCESS.tenantId,
          GRAPH_CLIENT_ID: 'app',
          SECRET_GRAPH_CLIENT_SECRET: 's',
        }),
      /ALLOWED_TENANTS is required/,
    );
  });

  it('when a bot app id is set, then it binds to all interfaces and needs its password', () => {
    assert.throws(() => loadConfig({ MicrosoftAppId: 'id' }), /MicrosoftAppPassword/);
    const config = loadConfig({ MicrosoftAppId: 'id', MicrosoftAppPassword: 'pw' });
    assert.equal(config.bot.localMode, false);
    assert.equal(config.host, '0.0.0.0');
  });
});
