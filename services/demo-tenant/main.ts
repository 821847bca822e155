import { parseFaults } from './faults';
import { parseScale } from './scale';
import { DemoTenant } from './server';

const USAGE =
  'usage: demo-tenant [--port N] [--host ADDRESS] [--seed N] [--scale small|large|users=…,signIns=…,heavy=…] [--faults JSON]';

interface Flags {
  port?: number;
  host?: string;
  seed?: number;
  scale?: string;
  faults?: string;
}

const parseArgs = (argv: readonly string[]): Flags => {
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i += 1) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
    const integer = (min: number, max: number) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new Error(`${name} must be an integer from ${min} to ${max}`);
      return n;
    };
    switch (name) {
      case '--port':
        flags.port = integer(0, 65535);
        break;
      case '--host':
        flags.host = value;
        break;
      case '--seed':
        flags.seed = integer(0, 2 ** 31 - 1);
        break;
      case '--scale':
        flags.scale = value;
        break;
      case '--faults':
        flags.faults = value;
        break;
      default:
        throw new Error(`unknown option ${name}\n${USAGE}`);
    }
  }
  return flags;
};

/**
 * Runs the demo tenant alone until SIGINT or SIGTERM (`warden demo-tenant …`, or
 * `node --import tsx services/demo-tenant/main.ts --port N --scale large`).
 */
export async function runDemoTenant(argv: readonly string[]): Promise<void> {
  const flags = parseArgs(argv);
  const tenant = new DemoTenant({
    port: flags.port,
    host: flags.host,
    seed: flags.seed,
    scale: flags.scale ? parseScale(flags.scale) : undefined,
    faults: flags.faults ? parseFaults(flags.faults) : undefined,
  });
  const origin = await tenant.start();
  process.stdout.write(`Woodgrove Bank demo tenant: ${origin}/v1.0 (and /beta)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await tenant.stop();
}

if (require.main === module) {
  runDemoTenant(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  });
}
