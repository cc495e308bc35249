/**
 * What a drop carries, folders included: `DataTransferItem.webkitGetAsEntry()` gives the dropped
 * folders, walked here recursively; each file found is recorded with its path in the folder
 * (`droppedPaths`) so the import summary shows where it came from.
 */
import { droppedPaths } from './import-jobs.js';

/** Reads entries synchronously (they vanish after the event), then walks the folders. */
export function collectDropped(transfer: DataTransfer): Promise<File[]> {
  const entries: FileSystemEntry[] = [];
  const plain: File[] = [];
  const items = Array.from(transfer.items ?? []);
  for (const item of items) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry?.isDirectory) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) plain.push(file);
    }
  }
  if (items.length === 0) plain.push(...Array.from(transfer.files ?? []));
  return (async () => {
    const found: File[] = [];
    for (const entry of entries) await walk(entry as FileSystemDirectoryEntry, found);
    // readEntries answers in no particular order: list a folder's files by path.
    const path = (f: File) => droppedPaths.get(f) ?? f.name;
    found.sort((a, b) => path(a).localeCompare(path(b)));
    return [...plain, ...found];
  })();
}

async function walk(dir: FileSystemDirectoryEntry, out: File[]): Promise<void> {
  const reader = dir.createReader();
  for (;;) {
    // readEntries answers in batches (100 in Chromium) until it answers an empty one.
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return;
    for (const entry of batch) {
      if (entry.isDirectory) await walk(entry as FileSystemDirectoryEntry, out);
      else if (entry.isFile) {
        const file = await new Promise<File>((resolve, reject) =>
          (entry as FileSystemFileEntry).file(resolve, reject),
        );
        droppedPaths.set(file, entry.fullPath.replace(/^\//, ''));
        out.push(file);
      }
    }
  }
}
