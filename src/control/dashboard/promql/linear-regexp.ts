// Label regexes from queries, compiled for V8's linear-time engine (the `l`
// flag): Prometheus uses RE2, which never backtracks, and a query is input
// from whoever can reach the API (a web page in the user's browser can send
// a GET to a loopback port). With the backtracking engine `=~"(.*.*)*X"`
// against a 20-character label value runs for minutes and stops the whole
// control plane. The linear engine refuses what RE2 refuses too
// (backreferences, lookarounds). Its flag is V8's
// --enable-experimental-regexp-engine, set here once: it only makes the `l`
// flag available and changes no other regex. A Node whose V8 lacks it gets
// the backtracking engine (LINEAR_REGEXP says which is in use).
import v8 from 'node:v8';

v8.setFlagsFromString('--enable-experimental-regexp-engine');

/** Whether query regexes run on the linear-time engine in this process. */
export const LINEAR_REGEXP: boolean = (() => {
  try {
    return new RegExp('a', 'l').flags.includes('l');
  } catch {
    return false;
  }
})();

/** Thrown for a pattern the linear engine cannot run (RE2 refuses the same: backreferences, lookarounds) or invalid syntax. */
export class RegExpSyntaxError extends Error {}

/** `^(?:source)$`, anchored as Prometheus anchors label regexes, `.` matching newlines (RE2's (?s) as Prometheus sets it). */
export function anchoredRegExp(source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`, LINEAR_REGEXP ? 'sl' : 's');
  } catch (e) {
    const msg = (e as Error).message;
    throw new RegExpSyntaxError(/linear time/.test(msg) ? `${msg} (backreferences and lookarounds are not RE2 syntax, which PromQL uses)` : msg);
  }
}
