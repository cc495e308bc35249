/** The Fastify application: body parsers, auth hook, error mapping, not-found handling, and all route groups. */
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { MESSAGES } from '../../slicebox/types.js';
import type { Engine } from '../engine.js';
import { LoginThrottle } from '../users/login-throttle.js';
import type { LoginThrottleOptions } from '../users/login-throttle.js';
import { authenticate, makeAuthHook } from './auth.js';
import { NOT_JSON } from './bodies.js';
import { errorHandler, HttpError } from './errors.js';
import { sendText } from './replies.js';
import {
  DEFAULT_REQUEST_TIMEOUTS,
  closeStalledBodies,
  headersTimeoutOptions,
} from './request-timeouts.js';
import type { RequestTimeouts } from './request-timeouts.js';
import { registerAnonymizationRoutes } from './routes/anonymization.js';
import { registerBoxRoutes } from './routes/boxes.js';
import { registerDictionaryRoutes } from './routes/dictionary.js';
import { registerDirectoryWatchRoutes } from './routes/directory-watches.js';
import { registerFilteringRoutes } from './routes/filtering.js';
import { registerForwardingRoutes } from './routes/forwarding.js';
import { registerImageDeleteRoutes } from './routes/images-delete.js';
import { registerImageExportRoutes } from './routes/images-export.js';
import { registerImageJpegRoutes } from './routes/images-jpeg.js';
import { registerImageModifyRoutes } from './routes/images-modify.js';
import { registerImageRenderRoutes } from './routes/images-render.js';
import { registerImageRoutes } from './routes/images.js';
import { registerImportRoutes } from './routes/import.js';
import { registerLogRoutes } from './routes/log.js';
import { registerMetadataQueryRoutes } from './routes/metadata-query.js';
import { registerMetadataRoutes } from './routes/metadata.js';
import { registerScpRoutes } from './routes/scps.js';
import { registerScuRoutes } from './routes/scus.js';
import { registerSeriesTagRoutes } from './routes/seriestags.js';
import { registerSeriesTypeRoutes } from './routes/seriestypes.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerTransactionRoutes } from './routes/transactions.js';
import { registerUserRoutes } from './routes/users.js';
import { registerDesktopContentsRoutes } from './routes/x-desktop-contents.js';
import { registerDesktopPacsRoutes } from './routes/x-desktop-pacs.js';
import { registerDesktopPrivacyRoutes } from './routes/x-desktop-privacy.js';
import { registerDesktopExtensionRoutes } from './routes/x-desktop.js';
import { Routes } from './routing.js';

/** Request size limit for JSON bodies (Slicebox: akka.http.parsing.max-content-length = 64 MB). */
const JSON_BODY_LIMIT = 64 * 1024 * 1024;

export interface AppOptions {
  logger: boolean;
  version: string;
  /** Called ~1 s after an accepted `POST /system/stop` (§7.3). */
  onStopRequested?: () => void;
  /** Headers and body timeouts (request-timeouts.ts); defaults 20 s each. */
  timeouts?: Partial<RequestTimeouts>;
  /** Login throttling (users/login-throttle.ts); defaults 5 failures per 5 minutes. */
  loginThrottle?: Partial<LoginThrottleOptions>;
}

function collect(payload: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    payload.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(
          new HttpError(
            413,
            `Request Content-Length of ${size} bytes exceeds the configured limit of ${limit} bytes`,
          ),
        );
        payload.destroy();
        return;
      }
      chunks.push(c);
    });
    payload.on('end', () => resolve(Buffer.concat(chunks)));
    payload.on('error', reject);
  });
}

function isRawRoute(request: FastifyRequest): boolean {
  return request.routeOptions.config?.rawBody === true;
}

export async function buildApp(engine: Engine, options: AppOptions): Promise<FastifyInstance> {
  const timeouts = { ...DEFAULT_REQUEST_TIMEOUTS, ...options.timeouts };
  const app = Fastify({
    logger: options.logger,
    routerOptions: { ignoreTrailingSlash: true },
    // Upload routes stream to disk; JSON bodies are limited by our own parser.
    bodyLimit: JSON_BODY_LIMIT,
    forceCloseConnections: true,
    http: headersTimeoutOptions(timeouts),
  });
  closeStalledBodies(app.server, timeouts.bodyIdleTimeoutMs);
  if (options.loginThrottle) engine.auth.throttle = new LoginThrottle(options.loginThrottle);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', (request, payload, done) => {
    if (isRawRoute(request)) return done(null, payload);
    collect(payload, JSON_BODY_LIMIT).then(
      (buf) => {
        const text = buf.toString('utf8');
        if (text.trim() === '') return done(null, undefined);
        try {
          done(null, JSON.parse(text));
        } catch (e) {
          done(
            new HttpError(400, `The request content was malformed:\n${(e as Error).message}`),
            undefined,
          );
        }
      },
      (e: Error) => done(e, undefined),
    );
  });
  app.addContentTypeParser('*', (request, payload, done) => {
    if (isRawRoute(request)) return done(null, payload);
    payload.resume();
    payload.on('end', () => done(null, NOT_JSON));
    payload.on('error', (e) => done(e, undefined));
  });
  await app.register(multipart, {
    limits: { fileSize: Number.MAX_SAFE_INTEGER, fieldSize: 1024 * 1024, parts: 1000 },
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Server', 'slicebox');
    return payload;
  });
  app.addHook('onRequest', makeAuthHook(engine));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path === '/api' || path.startsWith('/api/')) {
      if (!(await authenticate(engine, request, reply))) return reply;
    }
    return sendText(reply, 404, MESSAGES.notFound);
  });

  const routes = new Routes(app);
  registerSystemRoutes(routes, engine, options.version, options.onStopRequested);
  registerUserRoutes(routes, engine);
  registerImageRoutes(routes, engine);
  registerImageDeleteRoutes(routes, engine);
  registerImageRenderRoutes(routes, engine);
  registerImageExportRoutes(routes, engine);
  registerImageModifyRoutes(routes, engine);
  registerImageJpegRoutes(routes, engine);
  registerDictionaryRoutes(routes);
  registerMetadataRoutes(routes, engine);
  registerMetadataQueryRoutes(routes, engine);
  registerSeriesTagRoutes(routes, engine);
  registerSeriesTypeRoutes(routes, engine);
  registerFilteringRoutes(routes, engine);
  registerImportRoutes(routes, engine);
  registerLogRoutes(routes, engine);
  registerAnonymizationRoutes(routes, engine);
  registerBoxRoutes(routes, engine);
  registerTransactionRoutes(routes, engine);
  registerScpRoutes(routes, engine);
  registerScuRoutes(routes, engine);
  registerDirectoryWatchRoutes(routes, engine);
  registerForwardingRoutes(routes, engine);
  registerDesktopPrivacyRoutes(routes, engine);
  registerDesktopExtensionRoutes(routes, engine);
  registerDesktopContentsRoutes(routes, engine);
  registerDesktopPacsRoutes(routes, engine);
  routes.finish();
  return app;
}
