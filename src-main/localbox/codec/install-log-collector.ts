/**
 * Imported first by the worker entry: replaces the console before any library is loaded, so that loggers which
 * bind console methods when they load bind the collector (log-collector.ts).
 */
import { installLogCollector } from './log-collector.js';

installLogCollector();
