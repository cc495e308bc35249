/**
 * Every viewer action and its keys, in one table: the viewer's key handler looks actions up here and the help
 * overlay (`?`) lists this table, so a key cannot exist without being listed.
 */

export type ViewerAction =
  | 'next'
  | 'previous'
  | 'next10'
  | 'previous10'
  | 'first'
  | 'last'
  | 'zoomIn'
  | 'zoomOut'
  | 'fit'
  | 'reset'
  | 'preset'
  | 'cine'
  | 'toolWindow'
  | 'toolPan'
  | 'toolZoom'
  | 'toolLength'
  | 'toolAngle'
  | 'toolEllipse'
  | 'toolRectangle'
  | 'toolProbe'
  | 'deleteMeasurement'
  | 'nextMeasurement'
  | 'previousMeasurement'
  | 'nudgeMeasurement'
  | 'measurementsPanel'
  | 'exportCsv'
  | 'overlays'
  | 'layout1x1'
  | 'layout1x2'
  | 'layout2x2'
  | 'nextViewport'
  | 'previousViewport'
  | 'sync'
  | 'browseBeside'
  | 'details'
  | 'thumbnails'
  | 'help'
  | 'escape';

/** A key: `key` is KeyboardEvent.key (letters match either case), or `code` for layout-independent digits. */
export interface KeySpec {
  key?: string;
  code?: string;
  shift?: boolean;
  alt?: boolean;
}

export interface KeyBinding {
  action: ViewerAction;
  keys: KeySpec[];
  /** How the help overlay writes the keys. */
  label: string;
  description: string;
  group: 'Navigate' | 'View' | 'Tools' | 'Measurements' | 'Layout' | 'Panels';
}

const letter = (key: string, shift = false): KeySpec => ({ key, shift });

export const VIEWER_KEYS: readonly KeyBinding[] = [
  {
    action: 'next',
    keys: [{ key: 'ArrowDown' }, { key: 'ArrowRight' }],
    label: '↓ / →',
    description: 'Next slice or frame',
    group: 'Navigate',
  },
  {
    action: 'previous',
    keys: [{ key: 'ArrowUp' }, { key: 'ArrowLeft' }],
    label: '↑ / ←',
    description: 'Previous slice or frame',
    group: 'Navigate',
  },
  {
    action: 'next10',
    keys: [{ key: 'PageDown' }],
    label: 'Page Down',
    description: '10 slices on',
    group: 'Navigate',
  },
  {
    action: 'previous10',
    keys: [{ key: 'PageUp' }],
    label: 'Page Up',
    description: '10 slices back',
    group: 'Navigate',
  },
  {
    action: 'first',
    keys: [{ key: 'Home' }],
    label: 'Home',
    description: 'First slice',
    group: 'Navigate',
  },
  {
    action: 'last',
    keys: [{ key: 'End' }],
    label: 'End',
    description: 'Last slice',
    group: 'Navigate',
  },
  {
    action: 'cine',
    keys: [{ key: ' ' }],
    label: 'Space',
    description: 'Cine play / pause',
    group: 'Navigate',
  },
  {
    action: 'zoomIn',
    keys: [{ key: '+' }, { key: '=' }],
    label: '+',
    description: 'Zoom in',
    group: 'View',
  },
  {
    action: 'zoomOut',
    keys: [{ key: '-' }, { key: '_' }],
    label: '−',
    description: 'Zoom out',
    group: 'View',
  },
  { action: 'fit', keys: [{ key: '0' }], label: '0', description: 'Fit the image', group: 'View' },
  {
    action: 'reset',
    keys: [letter('r')],
    label: 'R',
    description: 'Reset window and view',
    group: 'View',
  },
  {
    action: 'preset',
    keys: ['1', '2', '3', '4'].map((key) => ({ key })),
    label: '1 – 4',
    description: 'Window presets (soft tissue, lung, bone, brain)',
    group: 'View',
  },
  {
    action: 'overlays',
    keys: [letter('o')],
    label: 'O',
    description: 'Show or hide all overlays',
    group: 'View',
  },
  {
    action: 'toolWindow',
    keys: [letter('w')],
    label: 'W',
    description: 'Tool: window / level (drag)',
    group: 'Tools',
  },
  {
    action: 'toolPan',
    keys: [letter('p')],
    label: 'P',
    description: 'Tool: pan (drag)',
    group: 'Tools',
  },
  {
    action: 'toolZoom',
    keys: [letter('z')],
    label: 'Z',
    description: 'Tool: zoom (drag up / down)',
    group: 'Tools',
  },
  {
    action: 'toolLength',
    keys: [letter('l')],
    label: 'L',
    description: 'Tool: length',
    group: 'Tools',
  },
  {
    action: 'toolAngle',
    keys: [letter('a')],
    label: 'A',
    description: 'Tool: angle (drag the first arm, click the end of the second)',
    group: 'Tools',
  },
  {
    action: 'toolEllipse',
    keys: [letter('e')],
    label: 'E',
    description: 'Tool: ellipse ROI',
    group: 'Tools',
  },
  {
    action: 'toolRectangle',
    keys: [letter('b')],
    label: 'B',
    description: 'Tool: rectangle (box) ROI',
    group: 'Tools',
  },
  {
    action: 'toolProbe',
    keys: [letter('v')],
    label: 'V',
    description: 'Tool: pixel value probe',
    group: 'Tools',
  },
  {
    action: 'nextMeasurement',
    keys: [{ key: ']' }],
    label: ']',
    description: 'Select the next measurement',
    group: 'Measurements',
  },
  {
    action: 'previousMeasurement',
    keys: [{ key: '[' }],
    label: '[',
    description: 'Select the previous measurement',
    group: 'Measurements',
  },
  {
    action: 'nudgeMeasurement',
    keys: ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'].map((key) => ({ key, alt: true })),
    label: 'Alt + arrows',
    description: 'Move the selected measurement by one pixel',
    group: 'Measurements',
  },
  {
    action: 'deleteMeasurement',
    keys: [{ key: 'Delete' }, { key: 'Backspace' }],
    label: 'Delete',
    description: 'Delete the selected measurement',
    group: 'Measurements',
  },
  {
    action: 'measurementsPanel',
    keys: [letter('m')],
    label: 'M',
    description: 'Measurements panel',
    group: 'Measurements',
  },
  {
    action: 'exportCsv',
    keys: [letter('x')],
    label: 'X',
    description: 'Export the measurements of the series as CSV',
    group: 'Measurements',
  },
  {
    action: 'layout1x1',
    keys: [{ code: 'Digit1', shift: true }],
    label: 'Shift + 1',
    description: 'Layout 1 × 1',
    group: 'Layout',
  },
  {
    action: 'layout1x2',
    keys: [{ code: 'Digit2', shift: true }],
    label: 'Shift + 2',
    description: 'Layout 1 × 2 (side by side)',
    group: 'Layout',
  },
  {
    action: 'layout2x2',
    keys: [{ code: 'Digit4', shift: true }],
    label: 'Shift + 4',
    description: 'Layout 2 × 2',
    group: 'Layout',
  },
  {
    action: 'nextViewport',
    keys: [letter('n')],
    label: 'N',
    description: 'Next viewport',
    group: 'Layout',
  },
  {
    action: 'previousViewport',
    keys: [letter('n', true)],
    label: 'Shift + N',
    description: 'Previous viewport',
    group: 'Layout',
  },
  {
    action: 'sync',
    keys: [letter('s')],
    label: 'S',
    description: 'Synchronized scrolling on / off (same frame of reference)',
    group: 'Layout',
  },
  {
    action: 'browseBeside',
    keys: [letter('d')],
    label: 'D',
    description: 'Browse above the viewer (drag series into viewports)',
    group: 'Layout',
  },
  {
    action: 'details',
    keys: [letter('i')],
    label: 'I',
    description: 'Attributes and series details',
    group: 'Panels',
  },
  {
    action: 'thumbnails',
    keys: [letter('t')],
    label: 'T',
    description: 'Thumbnails of the series',
    group: 'Panels',
  },
  {
    action: 'help',
    keys: [{ key: '?' }, letter('h'), { key: 'F1' }],
    label: '? / H / F1',
    description: 'This list of keys',
    group: 'Panels',
  },
  {
    action: 'escape',
    keys: [{ key: 'Escape' }],
    label: 'Esc',
    description: 'Cancel drawing, close this list, or close the viewer',
    group: 'Panels',
  },
];

/** What a key press says (a KeyboardEvent has all of it). */
export interface KeyPress {
  key: string;
  code: string;
  shiftKey: boolean;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
}

function matches(spec: KeySpec, event: KeyPress): boolean {
  if ((spec.alt ?? false) !== event.altKey) return false;
  if (spec.code !== undefined)
    return spec.code === event.code && (spec.shift ?? false) === event.shiftKey;
  if (spec.key === undefined) return false;
  if (spec.key.length === 1 && /[a-z]/.test(spec.key)) {
    return event.key.toLowerCase() === spec.key && (spec.shift ?? false) === event.shiftKey;
  }
  return spec.key === event.key;
}

/** The action of a key press (Ctrl/Cmd combinations are left to the system), with the matching key. */
export function actionFor(event: KeyPress): ViewerAction | undefined {
  if (event.ctrlKey || event.metaKey) return undefined;
  return VIEWER_KEYS.find((binding) => binding.keys.some((spec) => matches(spec, event)))?.action;
}

/** The help overlay's label of an action, e.g. `L` (for buttons' tooltips). */
export function keyLabel(action: ViewerAction): string {
  return VIEWER_KEYS.find((b) => b.action === action)?.label ?? '';
}
