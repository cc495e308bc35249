/**
 * The rest of the Electron shell against a fake `electron`: the window's hardening (window.ts), the
 * application menu (menu.ts), the utility-process local box launcher (localbox-utility.ts) and the
 * native dialogs (dialogs.ts). The fakes follow Electron's documented shapes: events are Node
 * EventEmitters, `will-navigate` & co. get an Event with `url`/`isMainFrame` and `preventDefault`,
 * session handlers are called with Electron's arguments, a UtilityProcess emits 'exit' (code),
 * 'message' (message) and 'error' (type, location).
 */
import { join } from 'node:path';
import type {
  BrowserWindowConstructorOptions,
  MenuItemConstructorOptions,
  SaveDialogOptions,
} from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PRELOAD_PATH, RENDERER_INDEX, RENDERER_URL } from '../../src-main/app/paths.js';
import {
  CONTENT_SECURITY_POLICY,
  createMainWindow,
  externalUrl,
} from '../../src-main/app/window.js';
import { buildMenu } from '../../src-main/app/menu.js';
import { utilityLauncher } from '../../src-main/app/localbox-utility.js';
import { electronDialogs } from '../../src-main/app/dialogs.js';

type HeadersListener = (
  details: { resourceType: string; responseHeaders?: Record<string, string[]> },
  callback: (response: { responseHeaders?: Record<string, string[]> }) => void,
) => void;
type PermissionRequestHandler = (
  webContents: { getURL(): string },
  permission: string,
  callback: (granted: boolean) => void,
) => void;
type PermissionCheckHandler = (
  webContents: { getURL(): string } | null,
  permission: string,
) => boolean;

const fake = await vi.hoisted(async () => {
  const { EventEmitter: Emitter } = await import('node:events');

  class FakeSession extends Emitter {
    headersListeners: HeadersListener[] = [];
    permissionRequest?: PermissionRequestHandler;
    permissionCheck?: PermissionCheckHandler;
    deviceHandler?: () => boolean;
    webRequest = {
      onHeadersReceived: vi.fn((listener: HeadersListener) => {
        this.headersListeners.push(listener);
      }),
    };
    setPermissionRequestHandler = vi.fn((handler: PermissionRequestHandler) => {
      this.permissionRequest = handler;
    });
    setPermissionCheckHandler = vi.fn((handler: PermissionCheckHandler) => {
      this.permissionCheck = handler;
    });
    setDevicePermissionHandler = vi.fn((handler: () => boolean) => {
      this.deviceHandler = handler;
    });
  }

  class FakeWebContents extends Emitter {
    openHandler?: (details: { url: string }) => { action: 'allow' | 'deny' };
    url = '';
    setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }) {
      this.openHandler = handler;
    }
    getURL(): string {
      return this.url;
    }
  }

  const windows: FakeBrowserWindow[] = [];
  class FakeBrowserWindow extends Emitter {
    readonly webContents = new FakeWebContents();
    shown = false;
    loaded: string[] = [];
    constructor(readonly options: BrowserWindowConstructorOptions) {
      super();
      windows.push(this);
    }
    show() {
      this.shown = true;
    }
    loadFile(path: string) {
      this.loaded.push(path);
      return Promise.resolve();
    }
  }

  const state = { session: new FakeSession() };
  const shell = {
    openExternal: vi.fn(async (_url: string) => undefined),
    showItemInFolder: vi.fn((_path: string) => undefined),
  };
  const nativeTheme = {
    themeSource: 'system' as 'system' | 'light' | 'dark',
    shouldUseDarkColors: false,
  };
  const app = {
    name: 'Slicebox Desktop',
    showAboutPanel: vi.fn(),
    getPath: vi.fn((name: string) => `/home/u/${name}`),
  };
  const Menu = {
    buildFromTemplate: vi.fn((template: MenuItemConstructorOptions[]) => ({ template })),
  };
  const dialog = {
    showSaveDialog: vi.fn(
      async (..._args: unknown[]): Promise<{ canceled: boolean; filePath: string }> => ({
        canceled: false,
        filePath: '/home/u/Downloads/export.zip',
      }),
    ),
  };

  class FakeUtilityProcess extends Emitter {
    pid: number | undefined = 4242;
    kills = 0;
    kill(): boolean {
      this.kills += 1;
      return true;
    }
    /** The child's exit: Electron emits 'exit' with the code, and pid becomes undefined. */
    exit(code: number) {
      this.pid = undefined;
      this.emit('exit', code);
    }
  }
  const forks: {
    modulePath: string;
    args: string[];
    options: Record<string, unknown>;
    child: FakeUtilityProcess;
  }[] = [];
  const utilityProcess = {
    fork: vi.fn(
      (modulePath: string, args: string[] = [], options: Record<string, unknown> = {}) => {
        const child = new FakeUtilityProcess();
        forks.push({ modulePath, args, options, child });
        return child;
      },
    ),
  };

  return {
    FakeSession,
    BrowserWindow: FakeBrowserWindow,
    windows,
    state,
    shell,
    nativeTheme,
    app,
    Menu,
    dialog,
    utilityProcess,
    forks,
  };
});

vi.mock('electron', () => ({
  BrowserWindow: fake.BrowserWindow,
  session: {
    get defaultSession() {
      return fake.state.session;
    },
  },
  shell: fake.shell,
  nativeTheme: fake.nativeTheme,
  app: fake.app,
  Menu: fake.Menu,
  dialog: fake.dialog,
  utilityProcess: fake.utilityProcess,
}));

const realPlatform = process.platform;
function setPlatform(platform: NodeJS.Platform) {
  Object.defineProperty(process, 'platform', { value: platform, configurable: true });
}

beforeEach(() => {
  fake.state.session = new fake.FakeSession();
  fake.windows.length = 0;
  fake.forks.length = 0;
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  setPlatform(realPlatform);
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.clearAllMocks();
});

/** An Electron Event for will-navigate & co. */
function navigationEvent(url: string, isMainFrame = true) {
  return {
    url,
    isMainFrame,
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

function openWindow() {
  const window = createMainWindow() as unknown as InstanceType<typeof fake.BrowserWindow>;
  return { window, contents: window.webContents, session: fake.state.session };
}

describe('createMainWindow: web preferences', () => {
  it('isolates and sandboxes the renderer, with no Node and web security on', () => {
    const { window } = openWindow();
    expect(window.options.webPreferences).toMatchObject({
      preload: PRELOAD_PATH,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
    });
    expect(window.options.show).toBe(false);
  });

  it('loads the renderer page and shows the window once it is ready', () => {
    const { window } = openWindow();
    expect(window.loaded).toEqual([RENDERER_INDEX]);
    expect(window.shown).toBe(false);
    window.emit('ready-to-show');
    expect(window.shown).toBe(true);
  });
});

describe('createMainWindow: navigation and new windows', () => {
  it('denies every new window, opening http(s) links in the system browser', () => {
    const { contents } = openWindow();
    const open = (url: string) => contents.openHandler?.({ url });
    expect(open('https://slicebox.github.io/docs')).toEqual({ action: 'deny' });
    expect(open('http://example.org/a?b=c')).toEqual({ action: 'deny' });
    expect(open(RENDERER_URL)).toEqual({ action: 'deny' });
    expect(open('javascript:alert(1)')).toEqual({ action: 'deny' });
    expect(open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(open('https://user:pw@example.org/')).toEqual({ action: 'deny' });
    expect(fake.shell.openExternal.mock.calls).toEqual([
      ['https://slicebox.github.io/docs'],
      ['http://example.org/a?b=c'],
    ]);
  });

  it('lets the top frame navigate only within the renderer page', () => {
    const { contents } = openWindow();
    const inApp = navigationEvent(`${RENDERER_URL}#/browse`);
    contents.emit('will-navigate', inApp);
    expect(inApp.defaultPrevented).toBe(false);

    const web = navigationEvent('https://example.org/');
    contents.emit('will-navigate', web);
    expect(web.defaultPrevented).toBe(true);
    expect(fake.shell.openExternal).toHaveBeenCalledWith('https://example.org/');

    for (const url of ['file:///etc/passwd', 'data:text/html,<h1>x', 'sbx-media://media/x']) {
      const event = navigationEvent(url);
      contents.emit('will-navigate', event);
      expect(event.defaultPrevented, url).toBe(true);
    }
    expect(fake.shell.openExternal).toHaveBeenCalledTimes(1);
  });

  it('keeps subframes on the renderer page, and refuses foreign redirects and webviews', () => {
    const { contents } = openWindow();
    const sub = navigationEvent('https://example.org/', false);
    contents.emit('will-frame-navigate', sub);
    expect(sub.defaultPrevented).toBe(true);
    const subOk = navigationEvent(RENDERER_URL, false);
    contents.emit('will-frame-navigate', subOk);
    expect(subOk.defaultPrevented).toBe(false);
    // The top frame's navigation is will-navigate's business.
    const top = navigationEvent('https://example.org/', true);
    contents.emit('will-frame-navigate', top);
    expect(top.defaultPrevented).toBe(false);

    const redirect = navigationEvent('https://example.org/');
    contents.emit('will-redirect', redirect);
    expect(redirect.defaultPrevented).toBe(true);
    const sameRedirect = navigationEvent(RENDERER_URL);
    contents.emit('will-redirect', sameRedirect);
    expect(sameRedirect.defaultPrevented).toBe(false);

    const webview = navigationEvent('');
    contents.emit('will-attach-webview', webview, {}, {});
    expect(webview.defaultPrevented).toBe(true);
    expect(fake.shell.openExternal).not.toHaveBeenCalled();
  });
});

describe('createMainWindow: session hardening', () => {
  it('puts our CSP on documents, replacing any other, and leaves other resources alone', () => {
    const { session } = openWindow();
    expect(session.headersListeners).toHaveLength(1);
    const listener = session.headersListeners[0]!;

    const answers: unknown[] = [];
    listener(
      {
        resourceType: 'mainFrame',
        responseHeaders: {
          'content-security-policy': ['default-src *'],
          'Content-Type': ['text/html'],
        },
      },
      (response) => answers.push(response),
    );
    listener(
      { resourceType: 'subFrame', responseHeaders: { 'CONTENT-SECURITY-POLICY': ['x'] } },
      (r) => answers.push(r),
    );
    listener({ resourceType: 'script', responseHeaders: { a: ['b'] } }, (r) => answers.push(r));
    expect(answers).toEqual([
      {
        responseHeaders: {
          'Content-Type': ['text/html'],
          'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        },
      },
      { responseHeaders: { 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } },
      {},
    ]);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/'unsafe-eval'/);
  });

  it('grants only clipboard writes, and only to the renderer page', () => {
    const { session } = openWindow();
    const ask = (permission: string, url: string) => {
      let granted: boolean | undefined;
      session.permissionRequest?.({ getURL: () => url }, permission, (g) => (granted = g));
      return granted;
    };
    expect(ask('clipboard-sanitized-write', RENDERER_URL)).toBe(true);
    expect(ask('clipboard-sanitized-write', 'https://example.org/')).toBe(false);
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
    ]) {
      expect(ask(permission, RENDERER_URL), permission).toBe(false);
    }
    expect(
      session.permissionCheck?.({ getURL: () => RENDERER_URL }, 'clipboard-sanitized-write'),
    ).toBe(true);
    expect(session.permissionCheck?.({ getURL: () => RENDERER_URL }, 'media')).toBe(false);
    expect(session.permissionCheck?.(null, 'clipboard-sanitized-write')).toBe(false);
    expect(session.deviceHandler?.()).toBe(false);
  });

  it('cancels downloads', () => {
    const { session } = openWindow();
    const download = navigationEvent('');
    session.emit('will-download', download, {}, {});
    expect(download.defaultPrevented).toBe(true);
  });

  it('hardens a session once, however many windows it serves', () => {
    const { session } = openWindow();
    openWindow();
    expect(fake.windows).toHaveLength(2);
    expect(session.webRequest.onHeadersReceived).toHaveBeenCalledTimes(1);
    expect(session.setPermissionRequestHandler).toHaveBeenCalledTimes(1);
    expect(session.listenerCount('will-download')).toBe(1);
  });
});

describe('externalUrl', () => {
  it('accepts http(s) URLs with a host and no credentials', () => {
    expect(externalUrl('https://example.org/a b')).toBe('https://example.org/a%20b');
    expect(externalUrl('HTTP://Example.ORG')).toBe('http://example.org/');
  });

  it('refuses anything else', () => {
    for (const raw of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'mailto:a@b.c',
      'sbx-media://media/x',
      'https://user@example.org/',
      'https://:pw@example.org/',
      'not a url',
      `https://example.org/${'a'.repeat(2048)}`,
    ]) {
      expect(externalUrl(raw), raw).toBeNull();
    }
  });
});

describe('buildMenu', () => {
  type Item = MenuItemConstructorOptions;
  const build = (isDev: boolean) => {
    const importFiles = vi.fn();
    const menu = buildMenu({ importFiles }, isDev) as unknown as { template: Item[] };
    return { template: menu.template, importFiles };
  };
  const submenu = (item: Item | undefined) => (item?.submenu ?? []) as Item[];
  const byLabel = (items: Item[], label: string) => items.find((i) => i.label === label);
  const click = (item: Item | undefined) => (item?.click as (() => void) | undefined)?.();

  it('imports files or folders from the File menu', () => {
    setPlatform('linux');
    const { template, importFiles } = build(false);
    const file = submenu(byLabel(template, '&File'));
    click(byLabel(file, 'Import Files…'));
    click(byLabel(file, 'Import Folder…'));
    expect(importFiles.mock.calls).toEqual([['files'], ['folders']]);
    expect(byLabel(file, 'Import Files…')?.accelerator).toBe('CmdOrCtrl+O');
    expect(file.at(-1)).toEqual({ role: 'quit' });
    expect(template.some((i) => i.role === 'appMenu')).toBe(false);
  });

  it('has the macOS app menu and Close on macOS', () => {
    setPlatform('darwin');
    const { template } = build(false);
    expect(template[0]).toEqual({ role: 'appMenu' });
    expect(submenu(byLabel(template, '&File')).at(-1)).toEqual({ role: 'close' });
  });

  it('offers reload and the developer tools only in development', () => {
    const roles = (isDev: boolean) =>
      submenu(byLabel(build(isDev).template, '&View')).map((i) => i.role ?? i.label ?? i.type);
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(false)).not.toContain('reload');
    expect(roles(true).slice(0, 2)).toEqual(['reload', 'toggleDevTools']);
  });

  it('toggles dark mode from what the system shows now', () => {
    const toggle = byLabel(submenu(byLabel(build(false).template, '&View')), 'Toggle Dark Mode');
    fake.nativeTheme.shouldUseDarkColors = false;
    click(toggle);
    expect(fake.nativeTheme.themeSource).toBe('dark');
    fake.nativeTheme.shouldUseDarkColors = true;
    click(toggle);
    expect(fake.nativeTheme.themeSource).toBe('light');
  });

  it('shows the About panel from Help', () => {
    const help = build(false).template.find((i) => i.role === 'help');
    const about = submenu(help)[0];
    expect(about?.label).toBe('About Slicebox Desktop');
    click(about);
    expect(fake.app.showAboutPanel).toHaveBeenCalledTimes(1);
  });
});

describe('utilityLauncher', () => {
  const options = { dataDir: '/data/localbox', port: 0, user: 'admin', password: 's3cret-PW' };

  function launch() {
    const running = utilityLauncher('/app/out/main/localbox.js')(options);
    const forked = fake.forks.at(-1)!;
    return { running, forked, child: forked.child };
  }

  it('forks the engine with the CLI arguments, and the credentials only in its environment', () => {
    const { forked, running } = launch();
    void running.catch(() => undefined);
    expect(forked.modulePath).toBe('/app/out/main/localbox.js');
    expect(forked.args).toEqual(['--host', '127.0.0.1', '--port', '0', '--data', '/data/localbox']);
    expect(forked.args.join(' ')).not.toContain('s3cret-PW');
    expect(forked.args.join(' ')).not.toContain('admin');
    expect(forked.options).toMatchObject({
      serviceName: 'Slicebox local box',
      env: { SLICEBOX_SUPERUSER: 'admin', SLICEBOX_SUPERUSER_PASSWORD: 's3cret-PW' },
    });
    // The rest of the environment is passed on.
    expect((forked.options.env as Record<string, string>).PATH).toBe(process.env.PATH);
    forked.child.exit(0);
  });

  it('resolves with the URL of the ready message, ignoring other messages', async () => {
    const { running, child } = launch();
    child.emit('message', 'hello');
    child.emit('message', null);
    child.emit('message', { type: 'log', url: 'http://evil.example/' });
    child.emit('message', { type: 'ready', url: 'http://127.0.0.1:40123' });
    child.emit('message', { type: 'ready', url: 'http://127.0.0.1:1' });
    const box = await running;
    expect(box.url).toBe('http://127.0.0.1:40123');
    expect(child.kills).toBe(0);
    expect(child.listenerCount('message')).toBe(0);
  });

  it.each(['http://localhost:9000', 'http://[::1]:9000/'])(
    'accepts the loopback URL %s',
    async (url) => {
      const { running, child } = launch();
      child.emit('message', { type: 'ready', url });
      await expect(running).resolves.toMatchObject({ url });
    },
  );

  it.each([
    'http://192.168.1.5:9000',
    'https://127.0.0.1:9000',
    'http://example.org',
    'http://127.0.0.1.evil.example/',
    'not a url',
    undefined,
  ])('refuses a ready message at %s and stops the child', async (url) => {
    const { running, child } = launch();
    child.emit('message', { type: 'ready', url });
    await expect(running).rejects.toThrow(/not an http loopback URL/);
    expect(child.kills).toBe(1);
  });

  it('rejects when the child exits before it is ready, without killing it again', async () => {
    const { running, child } = launch();
    child.exit(3);
    await expect(running).rejects.toThrow('The local box exited before it was ready (exit code 3)');
    expect(child.kills).toBe(0);
  });

  it('rejects when the child crashes while starting', async () => {
    const { running, child } = launch();
    child.emit('error', 'FatalError', 'v8::Isolate::Foo', '/tmp/report.json');
    await expect(running).rejects.toThrow(
      'The local box crashed while starting (FatalError at v8::Isolate::Foo)',
    );
    expect(child.kills).toBe(1);
  });

  it('gives up after 30 s without a ready message', async () => {
    vi.useFakeTimers();
    const { running, child } = launch();
    const outcome = running.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(child.kills).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toMatchObject({
      message: 'The local box did not report ready within 30 s',
    });
    expect(child.kills).toBe(1);
  });

  it('stop() ends the child gracefully and waits for its exit', async () => {
    const { running, child } = launch();
    child.emit('message', { type: 'ready', url: 'http://127.0.0.1:5000' });
    const box = await running;
    let stopped = false;
    const stopping = box.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(child.kills).toBe(1);
    expect(stopped).toBe(false);
    child.exit(0);
    await stopping;
    expect(stopped).toBe(true);
    await box.stop(); // already gone: nothing to do
    expect(child.kills).toBe(1);
  });

  it('stop() kills the child with SIGKILL when it does not exit within 10 s', async () => {
    vi.useFakeTimers();
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const { running, child } = launch();
    child.emit('message', { type: 'ready', url: 'http://127.0.0.1:5000' });
    const box = await running;
    const stopping = box.stop();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(kill).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(kill).toHaveBeenCalledWith(4242, 'SIGKILL');
    child.exit(137);
    await stopping;
  });

  it('a crash after ready does not matter to the launch', async () => {
    const { running, child } = launch();
    child.emit('message', { type: 'ready', url: 'http://127.0.0.1:5000' });
    await running;
    child.emit('error', 'FatalError', 'x', 'y');
    child.exit(1);
    expect(child.kills).toBe(0);
  });
});

describe('electronDialogs', () => {
  const window = { id: 1 };

  it('asks where to save a zip, in the Downloads folder, attached to the window', async () => {
    const dialogs = electronDialogs(() => window as never);
    expect(await dialogs.saveFile('study.zip')).toBe('/home/u/Downloads/export.zip');
    const [parent, options] = fake.dialog.showSaveDialog.mock.calls[0] ?? [];
    expect(parent).toBe(window);
    expect(options as SaveDialogOptions).toMatchObject({
      defaultPath: join('/home/u/downloads', 'study.zip'),
      filters: [{ name: 'Zip archive', extensions: ['zip'] }],
    });
    expect(fake.app.getPath).toHaveBeenCalledWith('downloads');
  });

  it('asks where to save another kind of file (the measurements CSV) with its own filter', async () => {
    const dialogs = electronDialogs(() => window as never);
    await dialogs.saveFile('lengths.csv', { name: 'CSV', extensions: ['csv'] });
    const [, options] = fake.dialog.showSaveDialog.mock.calls[0] ?? [];
    expect(options as SaveDialogOptions).toMatchObject({
      defaultPath: join('/home/u/downloads', 'lengths.csv'),
      filters: [{ name: 'CSV', extensions: ['csv'] }],
    });
  });

  it('works without a window, and answers undefined when cancelled', async () => {
    const dialogs = electronDialogs(() => null);
    fake.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: true, filePath: '' });
    expect(await dialogs.saveFile('a.zip')).toBeUndefined();
    expect(fake.dialog.showSaveDialog.mock.calls[0]).toHaveLength(1);
    fake.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: '' });
    expect(await dialogs.saveFile('a.zip')).toBeUndefined();
  });

  it('reveals a file in the file manager', () => {
    electronDialogs(() => null).revealFile('/home/u/Downloads/x.zip');
    expect(fake.shell.showItemInFolder).toHaveBeenCalledWith('/home/u/Downloads/x.zip');
  });
});
