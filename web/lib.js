// The UI library, in one place: Preact with hooks, and htm for templates.
// htm builds elements, never HTML strings, so every value is inserted as text.
import { h, render, createContext } from './vendor/preact.js';
import htm from './vendor/htm.js';

export * from './vendor/hooks.js';
export { h, render, createContext };
export const html = htm.bind(h);
