/**
 * Accessibility as a test: axe-core (the npm package, injected into the page) checks what the page shows
 * now. `expectNoSeriousA11yViolations(page, 'name')` fails with every serious or critical violation's rule,
 * impact and target selectors; moderate and minor ones are kept in `test-artifacts/e2e/a11y/<name>.json`
 * for review. Run it in light and in dark with `inBothThemes`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ARTIFACTS } from './browser.js';

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export type Impact = 'minor' | 'moderate' | 'serious' | 'critical';

export interface A11yViolation {
  id: string;
  impact: Impact | null;
  help: string;
  nodes: { target: string[]; summary: string }[];
}

let axeSource: Promise<string> | undefined;

/**
 * Runs axe on the whole document as it is now (injecting axe once per page load). The app's CSP allows no
 * inline script, so axe's source is evaluated through the DevTools protocol (which CSP does not govern)
 * rather than added as a <script> tag: the app is tested under its real policy.
 */
export async function runAxe(page: Page): Promise<A11yViolation[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) {
    axeSource ??= readFile(AXE_SCRIPT, 'utf8');
    await page.evaluate(await axeSource);
  }
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context: Document,
            options: { resultTypes: string[] },
          ): Promise<{
            violations: {
              id: string;
              impact?: Impact | null;
              help: string;
              nodes: { target: unknown[]; failureSummary?: string }[];
            }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => ({
        target: n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : String(t))),
        summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').trim(),
      })),
    }));
  });
}

/** One line per violation and node: `critical aria-valid-attr-value: #app-tab-browse (Fix: …)`. */
export function describeViolations(violations: A11yViolation[]): string {
  return violations
    .flatMap((v) =>
      v.nodes.map(
        (n) => `${v.impact ?? 'unknown'} ${v.id}: ${n.target.join(' ')} — ${v.help}. ${n.summary}`,
      ),
    )
    .join('\n');
}

const SERIOUS: (Impact | null)[] = ['serious', 'critical'];

/**
 * Runs axe and fails with the serious and critical violations, if any. Moderate and minor ones are written
 * to `test-artifacts/e2e/a11y/<name>.json` (with the serious ones, if the check fails) and returned.
 */
export async function expectNoSeriousA11yViolations(
  page: Page,
  name: string,
): Promise<A11yViolation[]> {
  const violations = await runAxe(page);
  const dir = join(ARTIFACTS, 'a11y');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}.json`), JSON.stringify(violations, null, 2));
  const serious = violations.filter((v) => SERIOUS.includes(v.impact));
  if (serious.length > 0) {
    throw new Error(
      `Accessibility (axe-core) on "${name}": ${serious.length} serious or critical rule(s) violated:\n` +
        describeViolations(serious),
    );
  }
  return violations.filter((v) => !SERIOUS.includes(v.impact));
}

/**
 * Runs `check` with the page in light, then in dark (`<name>-light`, `<name>-dark`), then back to light;
 * the theme's transitions are let settle first, as the screenshots do.
 */
export async function inBothThemes(
  page: Page,
  name: string,
  check: (page: Page, name: string) => Promise<unknown>,
): Promise<void> {
  try {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForTimeout(150);
      await check(page, `${name}-${scheme}`);
    }
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
  }
}

/** Zero serious or critical axe violations in light and in dark. */
export async function expectNoSeriousA11yViolationsInBothThemes(
  page: Page,
  name: string,
): Promise<void> {
  await inBothThemes(page, name, (p, n) => expectNoSeriousA11yViolations(p, n));
}
