/** Reads a ZIP archive back with yauzl (an independent reader): each entry's name and the SHA-256 of its bytes. */
import { readFileSync } from 'node:fs';
import yauzl from 'yauzl';
import { sha256 } from './support.js';

/** The entries of the archive at `zip` (a path) or in `zip` (its bytes), in archive order. */
export function readWithYauzl(zip: string | Buffer): Promise<Array<{ name: string; sha: string }>> {
  const bytes = typeof zip === 'string' ? readFileSync(zip) : zip;
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, strictFileNames: true }, (err, z) => {
      if (err || !z) return reject(err ?? new Error('no zip'));
      const out: Array<{ name: string; sha: string }> = [];
      z.on('entry', (entry: yauzl.Entry) => {
        z.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.push({ name: entry.fileName, sha: sha256(Buffer.concat(chunks)) });
            z.readEntry();
          });
          stream.on('error', reject);
        });
      });
      z.on('end', () => resolve(out));
      z.on('error', reject);
      z.readEntry();
    });
  });
}
