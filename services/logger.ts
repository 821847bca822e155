import pino from 'pino';

import { logCorrelation } from './telemetry';

/**
 * Structured logs with request and conversation ids. Tokens, secrets and message text are never logged; redaction
 * is a backstop for headers that slip into an error object.
 */
export type Logger = pino.Logger;

export const createLogger = (level: string): Logger =>
  pino({
    level,
    base: { service: 'warden' },
    // Trace and span ids while a span is active (services/telemetry.ts); nothing without an OpenTelemetry SDK.
    mixin: logCorrelation,
    redact: {
      paths: [
        '*.authorization',
        '*.Authorization',
        'headers.authorization',
        '*.token',
        '*.accessToken',
        '*.password',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  });
