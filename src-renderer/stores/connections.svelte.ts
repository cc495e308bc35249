/**
 * The Slicebox connections in the sidebar, which one is being browsed, and the connection editor
 * (add, edit, test, remove remote servers).
 */
import type {
  Bridge,
  ConnectionDraft,
  ConnectionInfo,
  ConnectionTestResult,
  SecretStorageInfo,
} from '../../src-preload/contract.js';
import { errorMessage } from '../lib/format.js';
import type { ErrorStore } from './errors.svelte.js';

export interface EditorState {
  /** The connection being edited, or null when adding a new one. */
  connectionId: string | null;
  draft: Required<ConnectionDraft>;
  busy: 'testing' | 'saving' | 'removing' | null;
  /** The outcome of the last test (cleared when a field changes). */
  result: ConnectionTestResult | null;
  /** Why saving, testing or removing failed. */
  error: string | null;
  confirmRemove: boolean;
}

export class ConnectionStore {
  list = $state<ConnectionInfo[]>([]);
  selectedId = $state<string | null>(null);
  loading = $state(true);
  checking = $state<Record<string, boolean>>({});
  secretStorage = $state<SecretStorageInfo | null>(null);
  editor = $state<EditorState | null>(null);

  selected = $derived(this.list.find((c) => c.id === this.selectedId) ?? null);

  #bridge: Bridge;
  #errors: ErrorStore;

  constructor(bridge: Bridge, errors: ErrorStore) {
    this.#bridge = bridge;
    this.#errors = errors;
  }

  /** Load the list and follow status events. Returns the unsubscribe function. */
  start(): () => void {
    const off = this.#bridge.on('connections.status', (info) => this.#update(info));
    void this.load();
    this.#bridge.invoke('app.info', undefined).then(
      (info) => (this.secretStorage = info.secretStorage ?? null),
      () => undefined,
    );
    return off;
  }

  async load(): Promise<void> {
    this.loading = true;
    try {
      const list = await this.#bridge.invoke('connections.list', undefined);
      this.list = list;
      if (!this.selectedId || !list.some((c) => c.id === this.selectedId)) {
        this.selectedId = (list.find((c) => c.kind === 'local') ?? list[0])?.id ?? null;
      }
    } catch (error) {
      this.#errors.report('Loading connections', error);
    } finally {
      this.loading = false;
    }
  }

  select(id: string): void {
    this.selectedId = id;
  }

  async check(id: string): Promise<void> {
    this.checking = { ...this.checking, [id]: true };
    try {
      this.#update(await this.#bridge.invoke('connections.check', { connectionId: id }));
    } catch (error) {
      this.#errors.report('Checking the connection', error);
    } finally {
      this.checking = { ...this.checking, [id]: false };
    }
  }

  // ── the editor ────────────────────────────────────────────────────────────
  openAdd(): void {
    this.editor = {
      connectionId: null,
      draft: { name: '', url: 'https://', user: '', password: '' },
      busy: null,
      result: null,
      error: null,
      confirmRemove: false,
    };
  }

  openEdit(id: string): void {
    const connection = this.list.find((c) => c.id === id);
    if (!connection || connection.kind === 'local') return;
    this.editor = {
      connectionId: id,
      draft: { name: connection.name, url: connection.url, user: connection.user, password: '' },
      busy: null,
      result: null,
      error: null,
      confirmRemove: false,
    };
  }

  closeEditor(): void {
    this.editor = null;
  }

  /** A field changed: an earlier test result no longer describes the form. */
  edited(): void {
    if (!this.editor) return;
    this.editor.result = null;
    this.editor.error = null;
    this.editor.confirmRemove = false;
  }

  async testEditor(): Promise<void> {
    const editor = this.editor;
    if (!editor || editor.busy) return;
    editor.busy = 'testing';
    editor.result = null;
    editor.error = null;
    try {
      const args: ConnectionDraft & { connectionId?: string } = this.#draftArgs(editor);
      if (editor.connectionId) args.connectionId = editor.connectionId;
      const result = await this.#bridge.invoke('connections.test', args);
      if (this.editor === editor) editor.result = result;
    } catch (error) {
      if (this.editor === editor) editor.error = errorMessage(error);
    } finally {
      editor.busy = null;
    }
  }

  /** Saves the editor's profile; the dialog closes when it was saved. */
  async saveEditor(): Promise<void> {
    const editor = this.editor;
    if (!editor || editor.busy) return;
    editor.busy = 'saving';
    editor.error = null;
    try {
      const draft = this.#draftArgs(editor);
      const info = editor.connectionId
        ? await this.#bridge.invoke('connections.update', {
            ...draft,
            connectionId: editor.connectionId,
          })
        : await this.#bridge.invoke('connections.add', draft);
      this.#update(info);
      this.selectedId = info.id;
      if (this.editor === editor) this.editor = null;
    } catch (error) {
      if (this.editor === editor) editor.error = errorMessage(error);
    } finally {
      editor.busy = null;
    }
  }

  /** First click asks for confirmation; the second removes. */
  async removeEditor(): Promise<void> {
    const editor = this.editor;
    const id = editor?.connectionId;
    if (!editor || !id || editor.busy) return;
    if (!editor.confirmRemove) {
      editor.confirmRemove = true;
      return;
    }
    editor.busy = 'removing';
    try {
      await this.#bridge.invoke('connections.remove', { connectionId: id });
      this.list = this.list.filter((c) => c.id !== id);
      if (this.selectedId === id) {
        this.selectedId = (this.list.find((c) => c.kind === 'local') ?? this.list[0])?.id ?? null;
      }
      if (this.editor === editor) this.editor = null;
    } catch (error) {
      if (this.editor === editor) editor.error = errorMessage(error);
    } finally {
      editor.busy = null;
    }
  }

  #draftArgs(editor: EditorState): ConnectionDraft {
    const { name, url, user, password } = editor.draft;
    const draft: ConnectionDraft = { name: name.trim(), url: url.trim(), user: user.trim() };
    if (password) draft.password = password;
    return draft;
  }

  #update(info: ConnectionInfo): void {
    const index = this.list.findIndex((c) => c.id === info.id);
    if (index === -1) this.list = [...this.list, info];
    else this.list[index] = info;
    if (!this.selectedId) this.selectedId = info.id;
  }
}

export const STATUS_LABEL: Record<ConnectionInfo['status'], string> = {
  unknown: 'Checking…',
  online: 'Online',
  offline: 'Offline',
  'auth-failed': 'Login failed',
};
