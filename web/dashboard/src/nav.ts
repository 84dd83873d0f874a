// Client-side navigation without importing the shell (pages stay leaf modules):
// the shell's popstate handler routes.
export function go(to: string): void {
  history.pushState(null, '', `/dashboard${to}`);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
