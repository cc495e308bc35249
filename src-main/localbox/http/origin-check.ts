/**
 * Cross-site request refusal (issue 9; DECISIONS.md "HTTP hardening"). A browser attaches the session cookie to
 * requests that other sites make it send, so a request authenticated by the cookie that changes something (POST,
 * PUT, DELETE, PATCH) must come from a page of the box itself. Its `Origin` header — or, when a browser sends
 * none, its `Referer` — must name the box's own origin, which is:
 *
 * - the origin the request was addressed to: the scheme-less `Host` header compared with the Origin's host and
 *   port (default ports omitted). A page cannot choose the Host its browser sends with the box's cookie, and a
 *   DNS-rebinding page has a Host of its own name, to which the browser attaches no box cookie; or
 * - the origin of the box's configured public URL (`--public-url`), for a box behind a proxy that rewrites Host.
 *
 * `Origin: null` (sandboxed or privacy-stripped pages) is refused. A request with neither header is not a
 * cross-site browser request (browsers send Origin on every cross-origin unsafe request), so it passes: scripts
 * that keep a cookie jar go on working. Basic-auth requests, token-authenticated box transfers and public routes
 * never reach this check: no browser adds those credentials on its own.
 */
import type { FastifyRequest } from 'fastify';

const UNSAFE = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

export function isUnsafeMethod(method: string): boolean {
  return UNSAFE.has(method.toUpperCase());
}

function sameHost(url: URL, hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  let host = hostHeader.trim().toLowerCase();
  const defaultPort = DEFAULT_PORT[url.protocol];
  if (defaultPort !== undefined && host.endsWith(`:${defaultPort}`))
    host = host.slice(0, -defaultPort.length - 1);
  return url.host === host;
}

function originOf(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a cookie-authenticated unsafe request must be refused, or undefined when it may proceed. `publicBase` is
 * the box's configured base URL (any URL on the box's public origin), when there is one.
 */
export function crossSiteRefusal(
  request: FastifyRequest,
  publicBase: string | undefined,
): string | undefined {
  const origin = request.headers.origin;
  const referer = request.headers.referer;
  const claimed = origin ?? referer;
  if (claimed === undefined) return undefined;
  const what = origin !== undefined ? 'Origin' : 'Referer';
  const url = originOf(claimed);
  const publicOrigin = publicBase !== undefined ? originOf(publicBase)?.origin : undefined;
  if (url && (sameHost(url, request.headers.host) || url.origin === publicOrigin)) return undefined;
  const shown = url?.origin ?? claimed.slice(0, 200);
  return `Cross-site request refused: the ${what} ${shown} is not this box's origin`;
}
