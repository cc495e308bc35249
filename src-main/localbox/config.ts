/** Engine defaults (BEHAVIOR.md §2). */

/**
 * The version reported by `GET /system/information`. The local box implements the Slicebox 2.0.2 API, and
 * clients use this value to recognise the server generation, so it is the API version rather than the app's.
 */
export const SLICEBOX_API_VERSION = '2.0.2';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 5000;
export const DEFAULT_SUPERUSER = { user: 'admin', password: 'admin' } as const;
export const DEFAULT_SESSION_TIMEOUT_MS = 3600 * 1000;

/**
 * The `apiBaseURL` of POLL boxes (BEHAVIOR.md §12.2): `<publicUrl>/api` when a public URL is configured, else
 * `http://<listen host>:<actual port>/api` (the port is omitted when it is 80, as Slicebox does).
 */
export function apiBaseUrl(publicUrl: string | undefined, host: string, port: number): string {
  if (publicUrl !== undefined && publicUrl.trim() !== '')
    return `${publicUrl.trim().replace(/\/+$/, '')}/api`;
  return `http://${host}${port === 80 ? '' : `:${port}`}/api`;
}

/** Checks a `--public-url` value: an absolute http(s) URL without query or fragment. */
export function checkPublicUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `invalid --public-url '${value}'`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `--public-url must be an http or https URL: '${value}'`;
  if (url.search !== '' || url.hash !== '')
    return `--public-url must not have a query or fragment: '${value}'`;
  return undefined;
}
