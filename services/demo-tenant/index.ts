/**
 * The embedded Woodgrove Bank demo tenant: a local, Graph-compatible HTTP server over a deterministic synthetic
 * tenant. It shares nothing with the bot but Graph's wire format (DESIGN §7).
 */
export { DemoTenant, type DemoTenantOptions } from './server';
export { parseScale } from './scale';
export { parseFaults, type FaultBucket, type FaultKind, type FaultRule } from './faults';
export type { RequestLog, RequestLogEntry } from './request-log';
export type { ScaleOptions } from './tenant';
