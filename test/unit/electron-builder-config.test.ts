/**
 * electron-builder.yml is checked offline, the way electron-builder itself checks it before a build:
 * loaded by app-builder-lib's own config loader, validated by its own `validateConfiguration` and,
 * independently, by ajv against its JSON schema (`app-builder-lib/scheme.json`). A known-bad key must
 * fail both. Then the product decisions (ids, entry point, asar contents, targets, icons) are pinned.
 *
 * app-builder-lib, builder-util, ajv and js-yaml are electron-builder's own dependencies; they are
 * resolved from electron-builder's location so this does not depend on npm's hoisting.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fromRoot = createRequire(import.meta.url);
const fromBuilder = createRequire(fromRoot.resolve('electron-builder/package.json'));
const fromLib = createRequire(fromBuilder.resolve('app-builder-lib/package.json'));

type Config = Record<string, unknown>;
interface AjvError {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}
interface AjvValidate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface AjvInstance {
  compile(schema: unknown): AjvValidate;
}
type AjvClass = new (opts: Record<string, unknown>) => AjvInstance;

const AjvModule = fromLib('ajv') as { default?: AjvClass } & AjvClass;
const Ajv: AjvClass = AjvModule.default ?? AjvModule;
const yaml = fromLib('js-yaml') as { load(text: string): unknown };
const schema: unknown = JSON.parse(
  readFileSync(fromBuilder.resolve('app-builder-lib/scheme.json'), 'utf8'),
);
const configLib = fromBuilder('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<Config>;
  validateConfiguration(config: Config, debugLogger: unknown): Promise<void>;
};
const { DebugLogger } = fromLib('builder-util') as {
  DebugLogger: new (enabled?: boolean) => unknown;
};

const packageJson = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  main: string;
  productName: string;
};
const yamlText = readFileSync(`${root}electron-builder.yml`, 'utf8');
const parsed = () => yaml.load(yamlText) as Config;

// Same options electron-builder uses in app-builder-lib/out/util/config/schemaValidator.js.
const validate = new Ajv({
  allErrors: true,
  verbose: true,
  coerceTypes: true,
  strict: false,
}).compile(schema);
function schemaErrors(config: Config): string[] {
  // coerceTypes mutates the data: validate a copy.
  if (validate(structuredClone(config))) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );
}
const builderValidate = (config: Config) =>
  configLib.validateConfiguration(structuredClone(config), new DebugLogger(false));

describe('electron-builder.yml against electron-builder’s schema', () => {
  it('is valid YAML mapping to an object', () => {
    const config = parsed();
    expect(config).toBeTypeOf('object');
    expect(Array.isArray(config)).toBe(false);
  });

  it('passes ajv with scheme.json', () => {
    expect(schemaErrors(parsed())).toEqual([]);
  });

  it('passes electron-builder’s own loader and validateConfiguration', async () => {
    const config = await configLib.getConfig(root, null, null);
    expect(config.appId).toBe('org.slicebox.desktop');
    await expect(builderValidate(config)).resolves.toBeUndefined();
  });

  it('rejects known-bad keys and values', async () => {
    const good = parsed();
    const bad: Config[] = [
      { ...good, notAnElectronBuilderOption: true },
      { ...good, linux: { ...(good.linux as Config), notALinuxOption: 1 } },
      { ...good, nsis: { ...(good.nsis as Config), oneClick: 'sometimes' } },
      { ...good, directories: { ...(good.directories as Config), outputt: 'dist' } },
    ];
    for (const config of bad) {
      expect(schemaErrors(config)).not.toEqual([]);
      await expect(builderValidate(config)).rejects.toThrow(/Invalid configuration object/);
    }
    await expect(builderValidate(bad[0]!)).rejects.toThrow(/notAnElectronBuilderOption/);
  });
});

describe('electron-builder.yml product decisions', () => {
  const config = parsed();
  const linux = config.linux as Config;
  const list = (v: unknown) => (Array.isArray(v) ? (v as unknown[]) : [v]);

  it('names the app and matches package.json', () => {
    expect(config.appId).toBe('org.slicebox.desktop');
    expect(config.productName).toBe('Slicebox Desktop');
    expect(config.productName).toBe(packageJson.productName);
    expect((config.directories as Config).output).toBe('dist');
    expect((config.directories as Config).buildResources).toBe('resources');
  });

  it('starts the built main process and packs only build output', () => {
    expect((config.extraMetadata as Config).main).toBe('out/main/app/main.js');
    expect(packageJson.main).toBe('out/main/app/main.js');
    const files = list(config.files);
    expect(files).toContain('out/**');
    expect(files).toContain('package.json');
    for (const source of ['src-main', 'src-preload', 'src-renderer', 'test', 'bench', 'scripts']) {
      expect(files.filter((f) => String(f).startsWith(source))).toEqual([]);
    }
    expect(files).toContain('!**/*.map');
  });

  it('keeps native modules and WebAssembly out of the asar, rebuilt for Electron', () => {
    const unpack = list(config.asarUnpack);
    expect(unpack).toContain('**/node_modules/better-sqlite3/**');
    expect(unpack).toContain('**/*.node');
    expect(unpack).toContain('**/*.wasm');
    expect(config.asar).not.toBe(false);
    expect(config.npmRebuild).toBe(true);
    // Only the compiled addon of better-sqlite3 ships, not its C sources and object files.
    expect(list(config.files)).toContain('!**/node_modules/better-sqlite3/{deps,src}/**');
  });

  it('builds AppImage + deb, dmg and nsis', () => {
    expect(list(linux.target)).toEqual(['AppImage', 'deb']);
    expect(list((config.mac as Config).target)).toEqual(['dmg']);
    expect(list((config.win as Config).target)).toEqual(['nsis']);
    expect(String(linux.category).split(';')).toEqual(
      expect.arrayContaining(['Science', 'MedicalSoftware']),
    );
    // deb refuses to build without a maintainer e-mail (package.json's author has none).
    expect(linux.maintainer).toMatch(/^[^<>]+ <[^@\s]+@[^@\s]+>$/);
  });

  it('uses icons from resources/: a 512×512 PNG rendered from the SVG', () => {
    for (const platform of ['linux', 'mac', 'win']) {
      const icon = (config[platform] as Config).icon as string;
      expect(icon.startsWith('resources/')).toBe(true);
      expect(existsSync(`${root}${icon}`)).toBe(true);
    }
    const png = readFileSync(`${root}resources/icon.png`);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
    expect(png[25], 'colour type RGBA').toBe(6);
    const svg = readFileSync(`${root}resources/icon.svg`, 'utf8');
    expect(svg).toMatch(/viewBox="0 0 512 512"/);
  });
});
