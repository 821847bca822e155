/**
 * Fault injection, off by default: a rule picks requests by path prefix and/or Graph service bucket (and optionally
 * method), and answers them the way Graph fails — throttling with or without Retry-After depending on the service,
 * 5xx, slowness, a broken body, a dropped connection, a missing licence or missing privileges.
 */

export const FAULT_KINDS = [
  'throttle',
  'unavailable',
  'gatewayTimeout',
  'slow',
  'malformed',
  'reset',
  'unlicensed',
  'forbidden',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_BUCKETS = ['reports', 'directory', 'idProtection', 'conditionalAccess'] as const;
export type FaultBucket = (typeof FAULT_BUCKETS)[number];

export interface FaultRule {
  kind: FaultKind;
  /** Prefix of the path after the version, e.g. `/auditLogs/signIns` (a leading `/v1.0` or `/beta` is ignored). */
  path?: string;
  bucket?: FaultBucket;
  method?: string;
  /** Affect only the first N matching requests (so a client's retry succeeds); unlimited when absent. */
  times?: number;
  /** For throttle (reports and directory only) and unavailable; throttle defaults to 1 second. */
  retryAfterSeconds?: number;
  /** For slow; milliseconds added before answering. */
  delayMs?: number;
}

/**
 * Graph's throttling services (learn.microsoft.com/graph/throttling-limits): identity and access reports (sign-ins,
 * audits, authentication methods), ID Protection and conditional access, and the rest of the directory.
 */
export const bucketOf = (path: string): FaultBucket => {
  if (/^\/auditLogs\//i.test(path) || /\/authentication\/methods/i.test(path)) return 'reports';
  if (/^\/identityProtection\//i.test(path)) return 'idProtection';
  if (/^\/identity\/conditionalAccess\//i.test(path)) return 'conditionalAccess';
  return 'directory';
};

const stripVersion = (path: string): string => path.replace(/^\/(v1\.0|beta)(?=\/|$)/i, '') || '/';

const describe = (rule: unknown): string => JSON.stringify(rule);

/** Validates rules from JSON (DEMO_TENANT_FAULTS, PUT /_demo/faults); every problem is named. */
export const validateFaults = (value: unknown, source = 'faults'): FaultRule[] => {
  if (!Array.isArray(value)) throw new Error(`${source}: expected a JSON array of fault rules`);
  return value.map((raw: unknown, index) => {
    const where = `${source}: rule ${index + 1}`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new Error(`${where}: expected an object, got ${describe(raw)}`);
    }
    const rule = raw as Record<string, unknown>;
    const known = new Set(['kind', 'path', 'bucket', 'method', 'times', 'retryAfterSeconds', 'delayMs']);
    const unknown = Object.keys(rule).filter((key) => !known.has(key));
    if (unknown.length) throw new Error(`${where}: unknown field(s) ${unknown.join(', ')}`);
    if (!FAULT_KINDS.includes(rule.kind as FaultKind)) {
      throw new Error(
        `${where}: "kind" must be one of ${FAULT_KINDS.join(', ')} (got ${describe(rule.kind)})`,
      );
    }
    const out: FaultRule = { kind: rule.kind as FaultKind };
    if (rule.path !== undefined) {
      if (typeof rule.path !== 'string' || !rule.path.startsWith('/')) {
        throw new Error(`${where}: "path" must be a string starting with "/"`);
      }
      out.path = rule.path;
    }
    if (rule.bucket !== undefined) {
      if (!FAULT_BUCKETS.includes(rule.bucket as FaultBucket)) {
        throw new Error(
          `${where}: "bucket" must be one of ${FAULT_BUCKETS.join(', ')} (got ${describe(rule.bucket)})`,
        );
      }
      out.bucket = rule.bucket as FaultBucket;
    }
    if (rule.method !== undefined) {
      if (typeof rule.method !== 'string' || !/^[A-Za-z]+$/.test(rule.method)) {
        throw new Error(`${where}: "method" must be an HTTP method name`);
      }
      out.method = rule.method.toUpperCase();
    }
    const positiveInteger = (name: 'times', max: number) => {
      const v = rule[name];
      if (v === undefined) return;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
        throw new Error(`${where}: "${name}" must be an integer from 1 to ${max}`);
      }
      out[name] = v;
    };
    const nonNegative = (name: 'retryAfterSeconds' | 'delayMs', max: number) => {
      const v = rule[name];
      if (v === undefined) return;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) {
        throw new Error(`${where}: "${name}" must be a number from 0 to ${max}`);
      }
      out[name] = v;
    };
    positiveInteger('times', 1_000_000);
    nonNegative('retryAfterSeconds', 3600);
    nonNegative('delayMs', 120_000);
    if (out.kind === 'slow' && out.delayMs === undefined)
      throw new Error(`${where}: a "slow" rule needs "delayMs"`);
    return out;
  });
};

/** Parses the DEMO_TENANT_FAULTS value; throws an Error that says what is wrong. */
export const parseFaults = (json: string): FaultRule[] => {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`DEMO_TENANT_FAULTS is not valid JSON: ${(error as Error).message}`);
  }
  return validateFaults(value, 'DEMO_TENANT_FAULTS');
};

export interface MatchedFault {
  rule: FaultRule;
  bucket: FaultBucket;
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private remaining: (number | null)[] = [];

  constructor(rules: FaultRule[] = []) {
    this.set(rules);
  }

  set(rules: FaultRule[]): void {
    this.rules = rules.map((rule) => ({ ...rule }));
    this.remaining = this.rules.map((rule) => rule.times ?? null);
  }

  list(): FaultRule[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  /**
   * The first rule that applies, counting it against `times`. The `$batch` envelope only matches rules aimed at
   * `/$batch` itself: bucket rules apply to the requests inside it, one by one, as Graph throttles them.
   */
  match(method: string, versionedPath: string, envelope: boolean): MatchedFault | null {
    // Without rules (a demo or a benchmark) every request comes here for nothing: skip classifying its path.
    if (this.rules.length === 0) return null;
    const path = stripVersion(versionedPath);
    const bucket = bucketOf(path);
    for (let i = 0; i < this.rules.length; i += 1) {
      const rule = this.rules[i];
      if (this.remaining[i] === 0) continue;
      if (rule.method && rule.method !== method.toUpperCase()) continue;
      if (envelope && !rule.path) continue;
      if (rule.path && !path.toLowerCase().startsWith(stripVersion(rule.path).toLowerCase())) continue;
      if (rule.bucket && (envelope || rule.bucket !== bucket)) continue;
      const left = this.remaining[i];
      if (left !== null) this.remaining[i] = left - 1;
      return { rule, bucket };
    }
    return null;
  }
}
