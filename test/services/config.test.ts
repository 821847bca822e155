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

  it('when EARLY_ANSWER_MINUTES is set, then it is read in minutes; 0 turns early answers off; junk is refused', () => {
    assert.equal(loadConfig({}).earlyAnswerMs, 10 * 60_000);
    assert.equal(loadConfig({ EARLY_ANSWER_MINUTES: '0' }).earlyAnswerMs, 0);
    assert.equal(loadConfig({ EARLY_ANSWER_MINUTES: '3' }).earlyAnswerMs, 180_000);
    assert.throws(() => loadConfig({ EARLY_ANSWER_MINUTES: 'soon' }), /EARLY_ANSWER_MINUTES/);
    assert.throws(() => loadConfig({ EARLY_ANSWER_MINUTES: '-1' }), /EARLY_ANSWER_MINUTES/);
  });

  it('when the Graph call knobs are not set, then the defaults bound a turn well under 30 s', () => {
    const { graphCalls, graph } = loadConfig({});
    assert.deepEqual(graphCalls, {
      timeoutMs: 15_000,
      maxRetries: 3,
      baseDelayMs: 200,
      maxDelayMs: 5_000,
      turnBudgetMs: 25_000,
    });
    assert.ok(graph.mode === 'demo' && graph.demoUrl === null);
  });

  it('when the Graph call knobs and an external demo tenant are set, then they are read and checked', () => {
    const config = loadConfig({
      GRAPH_TIMEOUT_MS: '1000',
      GRAPH_MAX_RETRIES: '0',
      GRAPH_RETRY_BASE_MS: '50',
      GRAPH_TURN_BUDGET_MS: '2000',
      DEMO_TENANT_URL: 'http://127.0.0.1:3999',
    });
    assert.equal(config.graphCalls.timeoutMs, 1000);
    assert.equal(config.graphCalls.maxRetries, 0);
    assert.equal(config.graphCalls.baseDelayMs, 50);
    assert.equal(config.graphCalls.turnBudgetMs, 2000);
    assert.ok(config.graph.mode === 'demo' && config.graph.demoUrl === 'http://127.0.0.1:3999');
    assert.throws(
      () =>
        loadConfig({ GRAPH_TURN_BUDGET_MS: '10', GRAPH_MAX_RETRIES: 'many', DEMO_TENANT_URL: 'not a url' }),
      (error: ConfigError) =>
        error.problems.some((problem) => problem.startsWith('GRAPH_TURN_BUDGET_MS')) &&
        error.problems.some((problem) => problem.startsWith('GRAPH_MAX_RETRIES')) &&
        error.problems.some((problem) => problem.startsWith('DEMO_TENANT_URL')),
    );
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

describe('config: Graph access on behalf of the asker (GRAPH_AUTH)', () => {
  const realTenant = {
    GRAPH_TENANT_ID: DEMO_ACCESS.tenantId,
    GRAPH_CLIENT_ID: '6f1d2b0e-5c1a-4f7b-9a8e-3c2d1e0f9a7b',
    SECRET_GRAPH_CLIENT_SECRET: 's',
    ALLOWED_TENANTS: DEMO_ACCESS.tenantId,
    RESPONDERS: DEMO_ACCESS.responders[0],
  };
  const bot = { MicrosoftAppId: '6f1d2b0e-5c1a-4f7b-9a8e-3c2d1e0f9a7b', MicrosoftAppPassword: 'pw' };

  it('when GRAPH_AUTH is not set, then Graph is read app-only as before', () => {
    assert.equal(loadConfig({ ...realTenant }).graph.mode, 'app');
  });

  it('when GRAPH_AUTH=delegated is complete, then Graph is read on behalf of the asker through that connection', () => {
    const config = loadConfig({
      ...realTenant,
      ...bot,
      GRAPH_AUTH: 'delegated',
      OAUTH_CONNECTION_NAME: 'warden-sso',
    });
    assert.equal(config.graph.mode, 'delegated');
    assert.equal(config.graph.mode === 'delegated' && config.graph.connectionName, 'warden-sso');
  });

  it('when GRAPH_AUTH=delegated lacks its pieces, then one error names each of them', () => {
    try {
      loadConfig({ GRAPH_AUTH: 'delegated' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      const text = error.problems.join('\n');
      for (const key of [
        'OAUTH_CONNECTION_NAME',
        'MicrosoftAppId',
        'GRAPH_TENANT_ID',
        'GRAPH_CLIENT_ID',
        'SECRET_GRAPH_CLIENT_SECRET',
      ])
        assert.match(text, new RegExp(key));
    }
  });

  it('when GRAPH_AUTH is misspelt or a connection name is set without it, then Warden refuses to start', () => {
    assert.throws(
      () => loadConfig({ ...realTenant, GRAPH_AUTH: 'user' }),
      /GRAPH_AUTH must be app or delegated/,
    );
    assert.throws(
      () => loadConfig({ ...realTenant, OAUTH_CONNECTION_NAME: 'warden-sso' }),
      /OAUTH_CONNECTION_NAME is set but GRAPH_AUTH is not delegated/,
    );
  });
});
