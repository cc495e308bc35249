/**
 * Route registration with Slicebox's conventions: every route declares who may call it, every path answers
 * 405 (after authentication) for the methods it does not serve, and public routes may accept any method.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { sendText } from './replies.js';

export type Access = 'public' | 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** Upload routes receive the raw request stream whatever the content type. */
    rawBody?: boolean;
  }
}

export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | unknown;

const ALL_METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

export class Routes {
  private readonly methodsByPath = new Map<string, Set<HTTPMethods>>();

  constructor(private readonly app: FastifyInstance) {}

  add(
    method: HTTPMethods | 'ANY',
    url: string,
    access: Access,
    handler: Handler,
    opts: { rawBody?: boolean } = {},
  ): void {
    const methods = method === 'ANY' ? ALL_METHODS : [method];
    const known = this.methodsByPath.get(url) ?? new Set<HTTPMethods>();
    for (const m of methods) known.add(m);
    if (methods.includes('GET')) known.add('HEAD');
    this.methodsByPath.set(url, known);
    this.app.route({
      method: methods,
      url,
      exposeHeadRoute: method !== 'ANY' && method === 'GET',
      config: { access, rawBody: opts.rawBody ?? false },
      handler,
    });
  }

  /** Registers the 405 answers; call after all routes. */
  finish(): void {
    for (const [url, known] of this.methodsByPath) {
      const missing = ALL_METHODS.filter((m) => !known.has(m));
      if (missing.length === 0) continue;
      const supported = [...known].filter((m) => m !== 'HEAD').join(', ');
      this.app.route({
        method: missing,
        url,
        exposeHeadRoute: false,
        config: { access: 'user' },
        handler: (_request, reply) =>
          sendText(reply, 405, `HTTP method not allowed, supported methods: ${supported}`),
      });
    }
  }
}
