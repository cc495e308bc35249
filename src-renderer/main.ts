import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import BridgeUnavailableScreen from './screens/BridgeUnavailableScreen.svelte';
import { getBridge } from './lib/bridge.js';
import { errorMessage } from './lib/format.js';
import { applyTheme } from './stores/theme.svelte.js';
import { THEME_STORAGE_KEY, parseTheme } from './lib/theme.js';
import type { Bridge } from '../src-preload/contract.js';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

try {
  applyTheme(parseTheme(localStorage.getItem(THEME_STORAGE_KEY)));
} catch {
  // No storage: follow the system theme.
}

let bridge: Bridge | null = null;
let problem = '';
try {
  bridge = getBridge();
} catch (error) {
  problem = errorMessage(error);
}

export default bridge
  ? mount(App, { target, props: { bridge } })
  : mount(BridgeUnavailableScreen, { target, props: { message: problem } });
