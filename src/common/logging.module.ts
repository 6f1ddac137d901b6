import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from '../config/app-config';
import { safeError, safeUrl } from './log-redaction';

/** A request id a client may choose (`X-Request-Id`); any other is replaced by a random UUID. */
export const CLIENT_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * JSON logs (pino) with a request id taken from `X-Request-Id` or made up. Secrets are redacted;
 * bodies are never logged; URLs lose their query values and errors their statement parameters
 * (see log-redaction.ts).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.log.level,
          genReqId: (req: IncomingMessage, res) => {
            const given = req.headers['x-request-id'];
            const id = typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
            res.setHeader('X-Request-Id', id);
            return id;
          },
          redact: {
            paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-hub-signature-256"]'],
            censor: '[redacted]',
          },
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: safeUrl(req.url) }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            err: safeError,
            error: safeError,
          },
          customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
          autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
