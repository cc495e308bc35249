/** Theme preference: follow the system, or force light or dark. Persisted in localStorage. */

export type ThemePreference = 'system' | 'light' | 'dark';

export const THEME_STORAGE_KEY = 'slicebox-desktop.theme';

export function parseTheme(value: string | null | undefined): ThemePreference {
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** The toggle cycles system → light → dark → system. */
export function nextTheme(current: ThemePreference): ThemePreference {
  return current === 'system' ? 'light' : current === 'light' ? 'dark' : 'system';
}

export function themeLabel(preference: ThemePreference): string {
  return preference === 'system'
    ? 'Theme: system'
    : preference === 'light'
      ? 'Theme: light'
      : 'Theme: dark';
}
