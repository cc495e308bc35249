/** The Imports panel is folded unless the user opened it: tests that use its buttons open it first. */
import type { Page } from 'playwright-core';

export async function openImportsPanel(page: Page): Promise<void> {
  const panel = page.getByTestId('import-panel');
  if ((await panel.getAttribute('data-open')) === 'true') return;
  await page.getByTestId('import-panel-toggle').click();
  await panel.locator('xpath=self::*[@data-open="true"]').waitFor({ timeout: 10_000 });
}
