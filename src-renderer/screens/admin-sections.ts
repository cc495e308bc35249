/**
 * The sections of the Admin screen (Slicebox's Admin menu and Log, WEB-UI §1.2), in menu order. Each is a
 * component that shows one part of the selected connection's server; it gets the bridge and the
 * connection, and loads what it shows itself.
 */
import type { Component } from 'svelte';
import type { Bridge } from '../../src-preload/contract.js';
import LogSection from '../components/admin/LogSection.svelte';
import SeriesTypesSection from '../components/admin/SeriesTypesSection.svelte';
import FilteringSection from '../components/admin/FilteringSection.svelte';
import AnonymizationKeysSection from '../components/admin/AnonymizationKeysSection.svelte';
import UsersSection from '../components/admin/UsersSection.svelte';
import SeriesTagsSection from '../components/admin/SeriesTagsSection.svelte';
import SystemSection from '../components/admin/SystemSection.svelte';

export interface AdminSectionProps {
  bridge: Bridge;
  connectionId: string;
  /** Increased by the screen's Refresh button: the section reloads. */
  refreshes: number;
}

export interface AdminSection {
  id: string;
  label: string;
  component: Component<AdminSectionProps>;
}

export const ADMIN_SECTIONS: AdminSection[] = [
  { id: 'series-types', label: 'Series types', component: SeriesTypesSection },
  { id: 'filtering', label: 'Filtering', component: FilteringSection },
  { id: 'series-tags', label: 'Series tags', component: SeriesTagsSection },
  { id: 'log', label: 'Log', component: LogSection },
  { id: 'anonymization', label: 'Anonymization keys', component: AnonymizationKeysSection },
  { id: 'users', label: 'Users', component: UsersSection },
  { id: 'system', label: 'System', component: SystemSection },
];
