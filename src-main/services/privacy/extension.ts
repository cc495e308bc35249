/**
 * Whether a server has the local box's privacy extension (`/api/x-desktop/anonymization/...`). The server
 * is asked once per client with an empty `identity-removed` request: the local box answers `[]`; a server
 * without the routes (every real Slicebox) answers 404 (or 405), and the app then computes previews itself.
 */
import { SliceboxHttpError, type SliceboxClient } from '../../slicebox/client.js';

const known = new WeakMap<SliceboxClient, boolean>();

export async function hasPrivacyExtension(client: SliceboxClient): Promise<boolean> {
  const cached = known.get(client);
  if (cached !== undefined) return cached;
  let answer: boolean;
  try {
    await client.identityRemoved([]);
    answer = true;
  } catch (error) {
    if (!(error instanceof SliceboxHttpError && (error.status === 404 || error.status === 405)))
      throw error;
    answer = false;
  }
  known.set(client, answer);
  return answer;
}
