/**
 * Slicebox Desktop extensions of the API, under `/api/x-desktop/` (a prefix no Slicebox route uses, so the two
 * can never collide): what the app offers beyond Slicebox 2.x where the local box can do it. A client asks
 * `GET /api/x-desktop/capabilities` first; a real Slicebox answers 404 there, and the app then hides or
 * explains the features. Every extension path is listed in DECISIONS.md ("Desktop extensions").
 *
 * | path | what |
 * | --- | --- |
 * | `GET /api/x-desktop/capabilities` | `{ version, extensions: [...] }` (any user) |
 * | `POST /api/x-desktop/scus/{id}/echo` | C-ECHO to the SCU's node: `{ success, message }` (any user) |
 * | `GET /api/x-desktop/scps/state` | `[{ scpId, state, reason? }]`: listening, starting, failed (why), stopped |
 * | `PUT /api/x-desktop/scps/{id}` | edit name, AE title, port (admin); the listener re-binds |
 * | `PUT /api/x-desktop/scus/{id}` | edit name, AE title, host, port (admin) |
 * | `PUT /api/x-desktop/boxes/{id}` | edit name and default anonymization options (admin) |
 */
import { PACS_CAPABILITIES } from './x-desktop-pacs.js';
import { z } from 'zod';
import { echoScu } from '../../dimse/scu-echo.js';
import type { Engine } from '../../engine.js';
import { NotFound } from '../../system/errors.js';
import { jsonBody } from '../bodies.js';
import { pathId } from '../query.js';
import { sendJson } from '../replies.js';
import type { Routes } from '../routing.js';
import { ProfileSchema, profileOf } from './anonymization.js';

export const DESKTOP_API = '/api/x-desktop';

/** The extensions this engine has; the app offers a feature only when its name is listed. */
export const DESKTOP_EXTENSIONS = [
  'scu-echo',
  'scp-state',
  'scp-edit',
  'scu-edit',
  'box-edit',
  // http/routes/x-desktop-privacy.ts
  'anonymization-preview',
  'identity-removed',
  // http/routes/x-desktop-contents.ts
  'metadata-contents',
  // http/routes/x-desktop-pacs.ts
  ...PACS_CAPABILITIES,
];

const ID = ':id(^\\d+$)';
const long = z.number().int();

/** As the create bodies (§16, §17); `id` may be left out (the path names the row). */
const ScpEditSchema = z.object({
  id: long.optional(),
  name: z.string(),
  aeTitle: z.string(),
  port: long,
});
const ScuEditSchema = ScpEditSchema.extend({ host: z.string() });
const BoxEditSchema = z.object({ name: z.string(), defaultProfile: ProfileSchema });

export function registerDesktopExtensionRoutes(routes: Routes, engine: Engine): void {
  routes.add('GET', `${DESKTOP_API}/capabilities`, 'user', (_request, reply) =>
    sendJson(reply, 200, { version: 1, extensions: DESKTOP_EXTENSIONS }),
  );

  // 200 with the outcome, also when the node refuses: the echo itself was done. A failure is logged (SCU).
  routes.add('POST', `${DESKTOP_API}/scus/${ID}/echo`, 'user', async (request, reply) => {
    const id = pathId(request);
    const scu = engine.scus.get(id);
    if (!scu) throw new NotFound(`SCU with id ${id} not found`);
    const result = await echoScu(scu);
    if (!result.success) {
      try {
        engine.log.add('WARN', 'SCU', `C-ECHO using SCU ${scu.name} failed: ${result.message}`);
      } catch {
        // The log is a record, not part of the answer.
      }
    }
    return sendJson(reply, 200, result);
  });

  routes.add('GET', `${DESKTOP_API}/scps/state`, 'user', (_request, reply) =>
    sendJson(
      reply,
      200,
      engine.scps.all().map((scp) => ({ scpId: scp.id, ...engine.scpListeners.state(scp.id) })),
    ),
  );

  routes.add('PUT', `${DESKTOP_API}/scps/${ID}`, 'admin', async (request, reply) => {
    const id = pathId(request);
    const input = jsonBody(request, ScpEditSchema);
    const scp = engine.scps.update(id, input);
    if (!scp) throw new NotFound(`SCP with id ${id} not found`);
    // The old port is freed before the new one is bound (it may be the same port).
    await engine.scpListeners.stop(id);
    await engine.scpListeners.start(scp);
    return sendJson(reply, 200, scp);
  });

  routes.add('PUT', `${DESKTOP_API}/scus/${ID}`, 'admin', (request, reply) => {
    const id = pathId(request);
    const input = jsonBody(request, ScuEditSchema);
    const scu = engine.scus.update(id, input);
    if (!scu) throw new NotFound(`SCU with id ${id} not found`);
    return sendJson(reply, 200, scu);
  });

  routes.add('PUT', `${DESKTOP_API}/boxes/${ID}`, 'admin', (request, reply) => {
    const body = jsonBody(request, BoxEditSchema);
    return sendJson(
      reply,
      200,
      engine.boxes.update(pathId(request), body.name, profileOf(body.defaultProfile)),
    );
  });
}
