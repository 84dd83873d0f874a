// Light, dark, or the system's choice (prefers-color-scheme), remembered in localStorage.
export type Theme = 'auto' | 'light' | 'dark';
const KEY = 'weft-dashboard-theme';

export function savedTheme(): Theme {
  const t = localStorage.getItem(KEY);
  return t === 'light' || t === 'dark' ? t : 'auto';
}

export function nextTheme(t: Theme): Theme {
  return t === 'auto' ? 'dark' : t === 'dark' ? 'light' : 'auto';
}

export function themeLabel(t: Theme): string {
  return t === 'auto' ? '◐ auto' : t === 'dark' ? '☾ dark' : '☀ light';
}

const listeners: (() => void)[] = [];
/** Charts and the graph re-read colours from CSS variables when the scheme changes. */
export function onThemeChange(l: () => void): () => void {
  listeners.push(l);
  return () => listeners.splice(listeners.indexOf(l), 1);
}

export function applyTheme(t: Theme): void {
  if (t === 'auto') {
    localStorage.removeItem(KEY);
    delete document.documentElement.dataset.theme;
  } else {
    localStorage.setItem(KEY, t);
    document.documentElement.dataset.theme = t;
  }
  for (const l of [...listeners]) l();
}

matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  for (const l of [...listeners]) l();
});

/** A CSS custom property's current value (e.g. '--fg'). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
