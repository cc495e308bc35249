/** The theme toggle: system / light / dark, applied as `data-theme` on <html> and kept in localStorage. */
import { THEME_STORAGE_KEY, nextTheme, parseTheme, type ThemePreference } from '../lib/theme.js';

function readStored(): ThemePreference {
  try {
    return parseTheme(localStorage.getItem(THEME_STORAGE_KEY));
  } catch {
    return 'system';
  }
}

export function applyTheme(preference: ThemePreference): void {
  const root = document.documentElement;
  if (preference === 'system') delete root.dataset.theme;
  else root.dataset.theme = preference;
}

export class ThemeStore {
  preference = $state<ThemePreference>(readStored());

  constructor() {
    applyTheme(this.preference);
  }

  cycle(): void {
    this.preference = nextTheme(this.preference);
    applyTheme(this.preference);
    try {
      if (this.preference === 'system') localStorage.removeItem(THEME_STORAGE_KEY);
      else localStorage.setItem(THEME_STORAGE_KEY, this.preference);
    } catch {
      // Storage unavailable: the choice lasts for this session only.
    }
  }
}
