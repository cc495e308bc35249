/**
 * Browser mode cannot hand the main side a file path, so dropped files are streamed to a staging folder
 * first (one folder per file, the file's own name kept for the import summary), written atomically.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FileRef } from '../../src-preload/contract.js';

const UNSAFE_CHARACTERS = new Set('<>:"|?*');

/** Control characters and characters Windows forbids in file names become `_`. */
function replaceUnsafe(name: string): string {
  return Array.from(name, (c) =>
    c.charCodeAt(0) < 0x20 || UNSAFE_CHARACTERS.has(c) ? '_' : c,
  ).join('');
}

/** A file name reduced to one safe path segment. */
export function safeFileName(name: string): string {
  const base = replaceUnsafe(basename(name.replace(/\\/g, '/')));
  const trimmed = base.replace(/^\.+/, '').slice(0, 200);
  return trimmed || 'file';
}

export async function stageUpload(
  stagingDir: string,
  name: string,
  body: IncomingMessage,
): Promise<FileRef> {
  const dir = join(stagingDir, randomUUID());
  await mkdir(dir, { recursive: true });
  const fileName = safeFileName(name);
  const finalPath = join(dir, fileName);
  const tempPath = join(dir, `.${fileName}.partial`);
  let size = 0;
  body.on('data', (chunk: Buffer) => {
    size += chunk.length;
  });
  try {
    await pipeline(body, createWriteStream(tempPath, { flush: true }));
    await rename(tempPath, finalPath);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { path: finalPath, name, size };
}
