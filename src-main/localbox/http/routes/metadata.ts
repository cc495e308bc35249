/** Metadata lists and entities (BEHAVIOR.md §9.1-9.6). `/query` routes: metadata-query.ts (§9.7). */
import { MESSAGES } from '../../../slicebox/types.js';
import type { Engine } from '../../engine.js';
import { advancedFilters, ordering, paging, param, pathId, requiredId } from '../query.js';
import { sendJson, sendText } from '../replies.js';
import type { Routes } from '../routing.js';

const ID = ':id(^\\d+$)';

export function registerMetadataRoutes(routes: Routes, engine: Engine): void {
  const m = engine.metadata;
  const found = <T>(reply: Parameters<typeof sendJson>[0], value: T | undefined) =>
    value === undefined ? sendText(reply, 404, MESSAGES.notFound) : sendJson(reply, 200, value);

  routes.add('GET', '/api/metadata/patients', 'user', (request, reply) => {
    const p = paging(request);
    const o = ordering(request);
    const f = advancedFilters(request);
    return sendJson(reply, 200, m.patients(p, o, param(request, 'filter'), f));
  });
  routes.add('GET', `/api/metadata/patients/${ID}`, 'user', (request, reply) =>
    found(reply, m.patient(pathId(request))),
  );
  routes.add('ANY', `/api/metadata/patients/${ID}/images`, 'user', (request, reply) =>
    sendJson(reply, 200, m.imagesOfPatient(pathId(request), advancedFilters(request))),
  );

  routes.add('GET', '/api/metadata/studies', 'user', (request, reply) => {
    const patientId = requiredId(request, 'patientid');
    const p = paging(request);
    return sendJson(reply, 200, m.studies(patientId, p, advancedFilters(request)));
  });
  routes.add('GET', `/api/metadata/studies/${ID}`, 'user', (request, reply) =>
    found(reply, m.study(pathId(request))),
  );
  routes.add('ANY', `/api/metadata/studies/${ID}/images`, 'user', (request, reply) =>
    sendJson(reply, 200, m.imagesOfStudy(pathId(request), advancedFilters(request))),
  );

  routes.add('GET', '/api/metadata/series', 'user', (request, reply) => {
    const studyId = requiredId(request, 'studyid');
    const p = paging(request);
    return sendJson(reply, 200, m.series(studyId, p, advancedFilters(request)));
  });
  routes.add('GET', `/api/metadata/series/${ID}`, 'user', (request, reply) =>
    found(reply, m.oneSeries(pathId(request))),
  );
  routes.add('GET', `/api/metadata/series/${ID}/source`, 'user', (request, reply) =>
    found(reply, m.seriesSource(pathId(request))),
  );

  routes.add('GET', '/api/metadata/images', 'user', (request, reply) => {
    const seriesId = requiredId(request, 'seriesid');
    const p = paging(request);
    const o = ordering(request);
    return sendJson(reply, 200, m.images(seriesId, p, o, param(request, 'filter')));
  });
  routes.add('GET', `/api/metadata/images/${ID}`, 'user', (request, reply) =>
    found(reply, m.image(pathId(request))),
  );

  routes.add('GET', '/api/metadata/flatseries', 'user', (request, reply) => {
    const p = paging(request);
    const o = ordering(request);
    const f = advancedFilters(request);
    return sendJson(reply, 200, m.flatSeries(p, o, param(request, 'filter'), f));
  });
  routes.add('GET', `/api/metadata/flatseries/${ID}`, 'user', (request, reply) =>
    found(reply, m.oneFlatSeries(pathId(request))),
  );
}
