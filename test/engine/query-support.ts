/** Shared fixtures for the query / series type / series tag / filtering tests. */
import type { Image } from '../../src-main/slicebox/types.js';
import { TAG, derive } from './anonymization-support.js';
import { basic, testFile } from './support.js';
import type { TestBox } from './support.js';

export const MANUFACTURER = 0x00080070;
export const FRAME_OF_REFERENCE_UID = 0x00200052;

export interface ImageSpec {
  patient: string;
  study: string;
  series: string;
  sop: string;
  instanceNumber: string;
  manufacturer?: string;
  frameOfReference?: string;
}

/** test.dcm with the identifying attributes of `spec`. */
export function dicomOf(spec: ImageSpec): Uint8Array {
  return derive(testFile('test.dcm'), {
    [TAG.PatientName]: spec.patient,
    [TAG.PatientID]: `id-${spec.patient}`,
    [TAG.StudyInstanceUID]: spec.study,
    [TAG.SeriesInstanceUID]: spec.series,
    [TAG.SOPInstanceUID]: spec.sop,
    [TAG.InstanceNumber]: spec.instanceNumber,
    [MANUFACTURER]: spec.manufacturer ?? 'manu0',
    [FRAME_OF_REFERENCE_UID]: spec.frameOfReference ?? 'for0',
  });
}

export async function upload(t: TestBox, data: Uint8Array, auth?: string): Promise<Image> {
  const res = await t.upload('/api/images', data, auth === undefined ? {} : { auth });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`upload → ${res.status} ${await res.text()}`);
  return (await res.json()) as Image;
}

export function postJson(
  t: TestBox,
  path: string,
  body: unknown,
  opts: { method?: string; auth?: string } = {},
): Promise<Response> {
  return t.api(path, {
    method: opts.method ?? 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    ...(opts.auth !== undefined ? { auth: opts.auth } : {}),
  });
}

/** Creates a USER (or ADMINISTRATOR) and returns its id and Basic credentials. */
export async function createUser(
  t: TestBox,
  name: string,
  role: 'USER' | 'ADMINISTRATOR' = 'USER',
): Promise<{ id: number; auth: string }> {
  const res = await postJson(t, '/api/users', { user: name, role, password: 'pw' });
  if (res.status !== 201) throw new Error(`create user → ${res.status}`);
  const user = (await res.json()) as { id: number };
  return { id: user.id, auth: basic(name, 'pw') };
}

/** Waits until the series type updater is idle (`GET /seriestypes/rules/updatestatus`). */
export async function seriesTypesIdle(t: TestBox, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await t.json<{ running: boolean }>('/api/seriestypes/rules/updatestatus');
    if (!status.running) return;
    if (Date.now() > until) throw new Error('series type update still running');
    await new Promise((r) => setTimeout(r, 20));
  }
}
