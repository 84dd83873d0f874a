// The listener filters weft implements (listeners[].listener_filters[]). One line each.
import { httpInspectorRegistration, originalDstRegistration, tlsInspectorRegistration } from '../listener/inspector-registrations.js';
import type { ListenerFilterRegistration } from './listener-filter-registration.js';
import { ExtensionRegistry } from './registration.js';

export const LISTENER_FILTERS = new ExtensionRegistry<ListenerFilterRegistration>('listener filter', [
  tlsInspectorRegistration,
  httpInspectorRegistration,
  originalDstRegistration,
]);
