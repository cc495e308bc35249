/**
 * The Imports panel's remembered state (open or folded, and its height), kept in localStorage so it
 * survives a reload. It starts folded: imports never open it by themselves.
 */

export const IMPORT_PANEL_STORAGE_KEY = 'sbx.importPanel';

export interface ImportPanelPrefs {
  open: boolean;
  /** Height of the open panel in CSS pixels (its header included). */
  height: number;
}

/** Bounds of the open panel: at least a job card, at most 45% of the window. */
export const PANEL_MIN_HEIGHT = 140;
export const PANEL_DEFAULT_HEIGHT = 240;
export const PANEL_MAX_FRACTION = 0.45;
/** One arrow key press on the resize handle. */
export const PANEL_HEIGHT_STEP = 24;

export const DEFAULT_PANEL_PREFS: ImportPanelPrefs = { open: false, height: PANEL_DEFAULT_HEIGHT };

export function parsePanelPrefs(raw: string | null): ImportPanelPrefs {
  if (!raw) return { ...DEFAULT_PANEL_PREFS };
  try {
    const value = JSON.parse(raw) as Partial<ImportPanelPrefs>;
    return {
      open: value.open === true,
      height:
        typeof value.height === 'number' && Number.isFinite(value.height)
          ? Math.max(PANEL_MIN_HEIGHT, Math.round(value.height))
          : PANEL_DEFAULT_HEIGHT,
    };
  } catch {
    return { ...DEFAULT_PANEL_PREFS };
  }
}

/** The height actually used in a window `viewportHeight` pixels tall. */
export function clampPanelHeight(height: number, viewportHeight: number): number {
  const max = Math.max(PANEL_MIN_HEIGHT, Math.floor(viewportHeight * PANEL_MAX_FRACTION));
  return Math.min(max, Math.max(PANEL_MIN_HEIGHT, Math.round(height)));
}
