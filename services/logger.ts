import pino from 'pino';

/**
 * Structured logs with request and conversation ids. Tokens, secrets and message text are never logged; redaction
 * is a backstop for headers that slip into an error object.
 */
export type Logger = pino.Logger;

export const createLogger = (level: string): Logger =>
  pino({
    level,
    base: { service: 'warden' },
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
