/**
 * Forwarding behaviour (BEHAVIOR.md §18) between real local boxes over real HTTP and DICOM: images uploaded into
 * an import session are forwarded to an SCU (another box's SCP) or to a box, deleted after delivery for
 * `keepImages = false`, retried after failures without blocking other rules, dropped from the queue when deleted,
 * and kept across a restart. Short ticks via the `forwarding` option; waits are bounded polls, no timing
 * assertions.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type {
  Box,
  FlatSeries,
  ForwardingRule,
  Image,
  ImportSession,
  IncomingTransaction,
  OutgoingTransaction,
  Patient,
  ScpData,
  ScuData,
} from '../../src-main/slicebox/types.js';
import { TAG, derive, valueOf } from './anonymization-support.js';
import { createConnection, postJson, waitFor } from './box-support.js';
import { freePort } from './dimse-support.js';
import { startTestBox, testFile } from './support.js';
import type { TestBox } from './support.js';

const TEST_DCM = new Uint8Array(testFile('test.dcm'));
const FORWARDING = { dispatchMs: 100, idleMs: 200 };
const WAIT_MS = 30_000;

let uidCounter = 0;
/** A copy of test.dcm with a new SOP Instance UID (same patient/study/series). */
function newImage(): { uid: string; bytes: Uint8Array } {
  uidCounter++;
  const uid = `1.2.826.0.1.3680043.2.1143.8181.${process.pid}.${uidCounter}`;
  return {
    uid,
    bytes: derive(TEST_DCM, {
      [TAG.SOPInstanceUID]: uid,
      [TAG.InstanceNumber]: String(uidCounter),
    }),
  };
}

async function created<T>(res: Response): Promise<T> {
  if (res.status !== 201) throw new Error(`→ ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function createSession(t: TestBox, name: string): Promise<ImportSession> {
  return postJson(t, '/api/import/sessions', {
    id: -1,
    name,
    userId: -1,
    user: '',
    filesImported: 0,
    filesAdded: 0,
    filesRejected: 0,
    created: 0,
    lastUpdated: 0,
  }).then((r) => created<ImportSession>(r));
}

async function uploadTo(t: TestBox, session: ImportSession, bytes: Uint8Array): Promise<Image> {
  return created<Image>(await t.upload(`/api/import/sessions/${session.id}/images`, bytes));
}

function createScp(t: TestBox, name: string, aeTitle: string, port: number): Promise<ScpData> {
  return postJson(t, '/api/scps', { id: -1, name, aeTitle, port }).then((r) => created<ScpData>(r));
}

function createScu(t: TestBox, name: string, aeTitle: string, port: number): Promise<ScuData> {
  return postJson(t, '/api/scus', { id: -1, name, aeTitle, host: '127.0.0.1', port }).then((r) =>
    created<ScuData>(r),
  );
}

function addRule(
  t: TestBox,
  session: ImportSession,
  destination: { type: 'box' | 'scu'; name: string; id: number },
  keepImages: boolean,
): Promise<ForwardingRule> {
  return postJson(t, '/api/forwarding/rules', {
    id: -1,
    source: { sourceType: 'import', sourceName: session.name, sourceId: session.id },
    destination: {
      destinationType: destination.type,
      destinationName: destination.name,
      destinationId: destination.id,
    },
    keepImages,
  }).then((r) => created<ForwardingRule>(r));
}

/** SOP Instance UIDs of every image stored in the box. */
async function sopUids(t: TestBox): Promise<Set<string>> {
  const uids = new Set<string>();
  for (const s of await t.json<FlatSeries[]>('/api/metadata/flatseries?count=1000')) {
    const images = await t.json<Image[]>(`/api/metadata/images?seriesid=${s.id}&count=10000`);
    for (const i of images) uids.add(i.sopInstanceUID.value);
  }
  return uids;
}

async function exists(t: TestBox, imageId: number): Promise<boolean> {
  const res = await t.api(`/api/metadata/images/${imageId}`);
  await res.arrayBuffer();
  if (res.status !== 200 && res.status !== 404) throw new Error(`image ${imageId} → ${res.status}`);
  return res.status === 200;
}

function arrives(t: TestBox, uid: string, what = uid): Promise<true> {
  return waitFor(
    `${what} to arrive`,
    async () => ((await sopUids(t)).has(uid) ? true : undefined),
    WAIT_MS,
  );
}

function deleted(t: TestBox, imageId: number): Promise<true> {
  return waitFor(
    `image ${imageId} to be deleted`,
    async () => ((await exists(t, imageId)) ? undefined : true),
    WAIT_MS,
  );
}

interface LogEntry {
  entryType: string;
  subject: string;
  message: string;
}

function logged(t: TestBox, type: string, includes: string): Promise<LogEntry> {
  return waitFor(
    `${type} log entry "${includes}"`,
    async () =>
      (await t.json<LogEntry[]>(`/api/log?subject=Forwarding&type=${type}&count=1000`)).find((e) =>
        e.message.includes(includes),
      ),
    WAIT_MS,
  );
}

describe('forwarding to an SCU (another box’s SCP)', () => {
  let a: TestBox;
  let b: TestBox;
  let scu: ScuData;

  beforeAll(async () => {
    a = await startTestBox({ forwarding: FORWARDING });
    b = await startTestBox();
    const port = await freePort();
    await createScp(b, 'receiver', 'RECEIVER', port);
    scu = await createScu(a, 'receiver', 'RECEIVER', port);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  test('images uploaded into the session arrive; keepImages=false deletes them here, true keeps them', async () => {
    const drop = await createSession(a, 'drop');
    const keep = await createSession(a, 'keep');
    await addRule(a, drop, { type: 'scu', name: scu.name, id: scu.id }, false);
    await addRule(a, keep, { type: 'scu', name: scu.name, id: scu.id }, true);
    const dropped = [newImage(), newImage()];
    const kept = newImage();
    const droppedImages = [
      await uploadTo(a, drop, dropped[0]!.bytes),
      await uploadTo(a, drop, dropped[1]!.bytes),
    ];
    const keptImage = await uploadTo(a, keep, kept.bytes);

    for (const i of [...dropped, kept]) await arrives(b, i.uid);
    for (const i of droppedImages) await deleted(a, i.id);
    // The keep rule's transaction is closed (logged) and its image is still here.
    await logged(a, 'INFO', 'from import keep to scu receiver');
    expect(await exists(a, keptImage.id)).toBe(true);
    const bytesOnA = new Uint8Array(
      await (await a.api(`/api/images/${keptImage.id}`)).arrayBuffer(),
    );
    expect(valueOf(bytesOnA, TAG.SOPInstanceUID)).toBe(kept.uid);
  });

  test('a failing SCU is retried until a listener appears, without blocking another rule (slicebox#317)', async () => {
    const latePort = await freePort();
    const dead = await createScu(a, 'late', 'LATE', latePort);
    const failing = await createSession(a, 'failing');
    const working = await createSession(a, 'working');
    await addRule(a, failing, { type: 'scu', name: dead.name, id: dead.id }, false);
    await addRule(a, working, { type: 'scu', name: scu.name, id: scu.id }, true);

    const stuck = newImage();
    const stuckImage = await uploadTo(a, failing, stuck.bytes);
    await logged(a, 'WARN', 'to scu late failed (attempt 1)');
    const other = newImage();
    await uploadTo(a, working, other.bytes);
    await arrives(b, other.uid, 'the other rule’s image');
    // The other rule delivered while this one keeps failing: still queued here, not delivered.
    expect(await exists(a, stuckImage.id)).toBe(true);
    expect((await sopUids(b)).has(stuck.uid)).toBe(false);

    await createScp(b, 'late', 'LATE', latePort);
    await arrives(b, stuck.uid, 'the retried image');
    await deleted(a, stuckImage.id);
  });

  test('a rule for an unknown destination keeps its images queued and never deletes them', async () => {
    const session = await createSession(a, 'nowhere');
    await addRule(a, session, { type: 'scu', name: 'gone', id: 9999 }, false);
    const image = await uploadTo(a, session, newImage().bytes);
    await logged(a, 'WARN', 'to scu gone failed (attempt 1), will retry: no SCU with id 9999');
    expect(await exists(a, image.id)).toBe(true);
  });
});

describe('forwarding queue: deleted images and deleted rules', () => {
  let a: TestBox;
  let b: TestBox;
  let scu: ScuData;

  beforeAll(async () => {
    // A longer idle time: the deletions below happen long before the queue is dispatched.
    a = await startTestBox({ forwarding: { dispatchMs: 100, idleMs: 1500 } });
    b = await startTestBox();
    const port = await freePort();
    await createScp(b, 'receiver', 'RECEIVER', port);
    scu = await createScu(a, 'receiver', 'RECEIVER', port);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  test('a deleted image leaves the queue; a deleted rule stops forwarding', async () => {
    const live = await createSession(a, 'live');
    const doomed = await createSession(a, 'doomed');
    await addRule(a, live, { type: 'scu', name: scu.name, id: scu.id }, true);
    const doomedRule = await addRule(a, doomed, { type: 'scu', name: scu.name, id: scu.id }, true);

    const removed = newImage();
    const kept = newImage();
    const removedImage = await uploadTo(a, live, removed.bytes);
    await uploadTo(a, live, kept.bytes);
    expect((await a.api(`/api/images/${removedImage.id}`, { method: 'DELETE' })).status).toBe(204);

    const unforwarded = newImage();
    const unforwardedImage = await uploadTo(a, doomed, unforwarded.bytes);
    expect(
      (await a.api(`/api/forwarding/rules/${doomedRule.id}`, { method: 'DELETE' })).status,
    ).toBe(204);

    await arrives(b, kept.uid);
    // Two more full forwarding rounds of the live rule, queued after the doomed upload.
    for (let i = 0; i < 2; i++) await arrives(b, (await uploadAndGet(a, live)).uid);
    const onB = await sopUids(b);
    expect(onB.has(removed.uid)).toBe(false);
    expect(onB.has(unforwarded.uid)).toBe(false);
    expect(await exists(a, unforwardedImage.id)).toBe(true);
  });
});

async function uploadAndGet(t: TestBox, session: ImportSession): Promise<{ uid: string }> {
  const image = newImage();
  await uploadTo(t, session, image.bytes);
  return image;
}

describe('forwarding to a box (two paired boxes)', () => {
  let c: TestBox;
  let d: TestBox;
  let boxOnD: Box;

  beforeAll(async () => {
    c = await startTestBox({ boxes: { tickMs: 100 } });
    d = await startTestBox({ boxes: { tickMs: 100 }, forwarding: FORWARDING });
    const boxOnC = await createConnection(c, 'D');
    // A default profile with an option: RETAIN_UIDS lets the images be recognised on C.
    boxOnD = await created<Box>(
      await postJson(d, '/api/boxes/connect', {
        name: 'C',
        baseUrl: boxOnC.baseUrl,
        defaultProfile: { options: [{ name: 'RETAIN_UIDS' }] },
      }),
    );
  });
  afterAll(async () => {
    await c?.stop();
    await d?.stop();
  });

  test('images added from the source are sent with the box’s default profile and arrive', async () => {
    const session = await createSession(d, 'to box');
    await addRule(d, session, { type: 'box', name: boxOnD.name, id: boxOnD.id }, false);
    const images = [newImage(), newImage()];
    const stored = [
      await uploadTo(d, session, images[0]!.bytes),
      await uploadTo(d, session, images[1]!.bytes),
    ];

    const incoming = await waitFor(
      'incoming transaction FINISHED on C',
      async () => {
        const list = await c.json<IncomingTransaction[]>('/api/boxes/incoming');
        return list[0]?.status === 'FINISHED' ? list[0] : undefined;
      },
      WAIT_MS,
    );
    expect(incoming.totalImageCount).toBe(2);
    const [outgoing] = await d.json<OutgoingTransaction[]>('/api/boxes/outgoing');
    expect(outgoing).toMatchObject({ boxId: boxOnD.id, totalImageCount: 2, status: 'FINISHED' });
    // The box's default profile with BASIC_PROFILE prepended, as `POST /boxes/{id}/send` does.
    expect(outgoing!.profile.options.map((o) => o.name)).toEqual(['BASIC_PROFILE', 'RETAIN_UIDS']);
    const onC = await sopUids(c);
    for (const image of images) expect(onC.has(image.uid)).toBe(true);
    const patients = await c.json<Patient[]>('/api/metadata/patients');
    expect(patients).toHaveLength(1);
    expect(patients[0]!.patientName.value).not.toBe(valueOf(TEST_DCM, TAG.PatientName));

    // keepImages = false: deleted on D once the box transaction finished.
    for (const image of stored) await deleted(d, image.id);
  });
});

describe('restart', () => {
  let a: TestBox;
  let b: TestBox;

  beforeAll(async () => {
    a = await startTestBox({ forwarding: FORWARDING });
    b = await startTestBox();
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  test('undelivered transactions survive a restart and are delivered afterwards', async () => {
    const port = await freePort();
    const scu = await createScu(a, 'later', 'LATER', port);
    const session = await createSession(a, 'queued');
    await addRule(a, session, { type: 'scu', name: scu.name, id: scu.id }, false);
    const first = newImage();
    const firstImage = await uploadTo(a, session, first.bytes);
    await logged(a, 'WARN', 'failed (attempt 1)');
    // Queued again right before the restart (most likely still OPEN, not yet dispatched).
    const second = newImage();
    const secondImage = await uploadTo(a, session, second.bytes);
    await a.restart();

    await createScp(b, 'later', 'LATER', port);
    await arrives(b, first.uid);
    await arrives(b, second.uid);
    await deleted(a, firstImage.id);
    await deleted(a, secondImage.id);
  });
});
