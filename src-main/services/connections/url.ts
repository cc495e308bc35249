/** Validation and normalization of a server address the user typed. */
import { ServiceError } from '../service-error.js';

/**
 * `https://host:port/path` → the server root the client adds `/api` to. Only http and https; no user
 * or password in the URL (they have their own fields), no query or fragment; a pasted `…/api` suffix
 * and trailing slashes are dropped.
 */
export function normalizeServerUrl(input: string): string {
  const text = input.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ServiceError(
      'invalid-arguments',
      `“${text}” is not a URL. Write it like https://slicebox.example.org or http://127.0.0.1:5000`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ServiceError(
      'invalid-arguments',
      `Only http:// and https:// addresses are supported, not ${url.protocol}//`,
    );
  }
  if (!url.hostname) throw new ServiceError('invalid-arguments', 'The URL has no host name');
  if (url.username || url.password) {
    throw new ServiceError(
      'invalid-arguments',
      'Put the user name and password in their own fields, not in the URL',
    );
  }
  if (url.search || url.hash) {
    throw new ServiceError(
      'invalid-arguments',
      'The URL must not have a query (?…) or fragment (#…)',
    );
  }
  let path = url.pathname.replace(/\/+$/, '');
  if (path.toLowerCase().endsWith('/api')) path = path.slice(0, -4);
  return `${url.protocol}//${url.host}${path}`;
}
