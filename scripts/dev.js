// `npm run dev`: Warden (`node lib/bot/cli.js serve`, rebuilt first when its sources are newer) and the
// Microsoft 365 Agents Playground pointed at it, both on loopback. Open the printed URL: you are Alex Wilber in the
// "Woodgrove SOC" team (.m365agentsplayground.yml). Ctrl-C stops both; when either one dies the other is stopped too.
//
//   PORT              the bot's port (default 3978); DEMO_TENANT_PORT (default 3979) is passed through to it
//   PLAYGROUND_PORT   the Playground's port (default 56150, or TEAMSAPPTESTER_PORT; it picks a free one if taken)
//   --no-build        start lib/ as it is
//
// The Playground reads .m365agentsplayground.yml from its working directory (the repo root here) unless
// M365_AGENTS_PLAYGROUND_CONFIG_PATH says otherwise. It would open a browser unless TEAMSAPPTESTER_BROWSER=none, and
// it logs to ./devTools/ unless M365_AGENTS_PLAYGROUND_LOGFILE is set: both are set below.
//
// This file doubles as the Playground's loopback preload: the Playground calls `server.listen(port)`, which binds
// every interface, and has no host option. `node --require scripts/dev.js` with WARDEN_PLAYGROUND_LOOPBACK_ONLY=1
// makes every listen() without a host bind 127.0.0.1 (test/helpers/playground.ts uses it the same way).
'use strict';
const net = require('node:net');

const LOOPBACK_ENV = 'WARDEN_PLAYGROUND_LOOPBACK_ONLY';

/** Makes listen() calls that name no host (or path, fd or handle) bind 127.0.0.1 instead of all interfaces. */
function bindLoopbackOnly() {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function listenOnLoopback(...args) {
    const [first] = args;
    if (first === undefined || first === null || typeof first === 'function') {
      args.splice(0, first === undefined || first === null ? 1 : 0, 0, '127.0.0.1');
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      if (typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
    } else if (typeof first === 'object' && 'port' in first && !first.host) {
      args[0] = { ...first, host: '127.0.0.1' };
    }
    return listen.apply(this, args);
  };
}

if (require.main !== module) {
  if (process.env[LOOPBACK_ENV] === '1') bindLoopbackOnly();
} else {
  main();
}

function main() {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { spawn, spawnSync } = require('node:child_process');

  const root = path.join(__dirname, '..');
  const botPort = Number(process.env.PORT || 3978);
  const playgroundPort = Number(process.env.PLAYGROUND_PORT || process.env.TEAMSAPPTESTER_PORT || 56150);
  const botCli = path.join(root, 'lib', 'bot', 'cli.js');
  const playgroundCli = path.join(root, 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');
  const playgroundLog =
    process.env.M365_AGENTS_PLAYGROUND_LOGFILE || path.join(os.tmpdir(), 'warden-agents-playground.log');
  const say = (line) => process.stdout.write(`[dev] ${line}\n`);

  if (!fs.existsSync(playgroundCli)) {
    say('the Agents Playground is not installed: run `npm install` first.');
    process.exit(1);
  }
  if (!process.argv.includes('--no-build') && isStale(botCli)) {
    say('building (lib/ is missing or older than the sources)…');
    const build = spawnSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    if (build.status !== 0) process.exit(build.status || 1);
  }

  /** @type {Map<string, import('node:child_process').ChildProcess>} */
  const children = new Map();
  let stopping = false;
  let exitCode = 0;

  const start = (name, args, env, onLine) => {
    // Own process group each, so a signal reaches a child once (from here) and takes its own children with it.
    const child = spawn(process.execPath, args, {
      cwd: root,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.set(name, child);
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop();
        for (const line of lines) {
          process.stdout.write(`[${name}] ${line}\n`);
          if (onLine) onLine(line);
        }
      });
    }
    child.on('exit', (code, signal) => {
      children.delete(name);
      if (!stopping) {
        say(`${name} exited (${signal || `code ${code}`}); stopping the rest.`);
        exitCode = code || 1;
        stop('SIGTERM');
      } else if (children.size === 0) {
        process.exit(exitCode);
      }
    });
    return child;
  };

  const stop = (signal) => {
    stopping = true;
    if (children.size === 0) process.exit(exitCode);
    for (const child of children.values()) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    }
    // A child that ignores the signal is not waited for forever.
    setTimeout(() => {
      for (const child of children.values()) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      process.exit(exitCode || 1);
    }, 5000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('exit', () => {
    for (const child of children.values()) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });

  const botEndpoint = `http://127.0.0.1:${botPort}/api/messages`;
  start('warden', [botCli, 'serve'], { ...process.env, PORT: String(botPort) });

  const playgroundArgs = [
    '--require',
    __filename,
    playgroundCli,
    '--app-endpoint',
    botEndpoint,
    '--channel-id',
    'msteams',
    '--port',
    String(playgroundPort),
    '--disable-telemetry',
  ];
  start(
    'playground',
    playgroundArgs,
    {
      ...process.env,
      [LOOPBACK_ENV]: '1',
      TEAMSAPPTESTER_BROWSER: 'none',
      M365_AGENTS_PLAYGROUND_LOGFILE: playgroundLog,
    },
    (line) => {
      // With stdout not a TTY the Playground prints only this line (the rest goes to its log file).
      const match = /^Listening on (\d+)/.exec(line);
      if (match) {
        say(`Agents Playground: open http://localhost:${match[1]}/ (its log: ${playgroundLog})`);
        say(`it talks to Warden at ${botEndpoint}; Ctrl-C stops both.`);
      }
    },
  );

  function isStale(output) {
    if (!fs.existsSync(output)) return true;
    const built = fs.statSync(output).mtimeMs;
    const newest = (dir) => {
      let latest = 0;
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) latest = Math.max(latest, newest(full));
        else if (/\.(ts|json)$/.test(entry.name)) latest = Math.max(latest, fs.statSync(full).mtimeMs);
      }
      return latest;
    };
    return ['bot', 'cards', 'dialogs', 'services'].some(
      (dir) => fs.existsSync(path.join(root, dir)) && newest(path.join(root, dir)) > built,
    );
  }
}
