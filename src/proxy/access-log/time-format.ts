// %START_TIME% rendering. A format is compiled once into parts; rendering a
// line only fills numbers into them. Times are UTC, as in Envoy. Besides the
// strftime specifiers, Envoy's extras are understood: `%s` (epoch seconds),
// `%f` / `%1f`…`%9f` (fraction of the second, truncated to N digits) and
// absl's `%E*S` / `%E3S` (seconds with a fraction).

/** Renders wall-clock milliseconds since the epoch. */
export type TimeRenderer = (ms: number) => string;

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}
function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}

/** Nanoseconds within the second, as 9 digits. */
function fraction9(ms: number): string {
  const sec = Math.floor(ms / 1000);
  const ns = Math.min(999_999_999, Math.round((ms - sec * 1000) * 1e6));
  return String(ns).padStart(9, '0');
}

// Envoy's default START_TIME is ISO-8601 in UTC with milliseconds. The date
// and time up to the second change once a second, so that prefix is cached.
let defaultSec = NaN;
let defaultPrefix = '';

/** `2016-04-15T20:17:00.310Z`: Envoy's default %START_TIME%. */
export function formatDefaultStartTime(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== defaultSec) {
    defaultPrefix = new Date(sec * 1000).toISOString().slice(0, -4);
    defaultSec = sec;
  }
  return defaultPrefix + pad3(Math.floor(ms - sec * 1000)) + 'Z';
}

type Field = (d: Date, ms: number) => string;

/** Compiles a strftime-like format (Envoy's START_TIME argument). */
export function compileTimeFormat(fmt: string): TimeRenderer {
  const parts: (string | Field)[] = [];
  let lit = '';
  let subSecond = false;
  const push = (f: Field): void => {
    if (lit !== '') parts.push(lit);
    lit = '';
    parts.push(f);
  };
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%' || i + 1 >= fmt.length) {
      lit += c;
      continue;
    }
    let s = fmt[++i]!;
    // %1f … %9f: the fraction truncated to N digits.
    if (s >= '1' && s <= '9' && fmt[i + 1] === 'f') {
      const n = Number(s);
      i++;
      subSecond = true;
      push((_d, ms) => fraction9(ms).slice(0, n));
      continue;
    }
    // absl extensions: %E*S, %E1S … %E9S, %E4Y.
    if (s === 'E') {
      const w = fmt[i + 1];
      const t = fmt[i + 2];
      if (t === 'S' && (w === '*' || (w !== undefined && w >= '0' && w <= '9'))) {
        i += 2;
        subSecond = true;
        if (w === '*') {
          push((d, ms) => {
            const f = fraction9(ms).replace(/0+$/, '');
            return f === '' ? pad2(d.getUTCSeconds()) : `${pad2(d.getUTCSeconds())}.${f}`;
          });
        } else {
          const n = Number(w);
          push((d, ms) => (n === 0 ? pad2(d.getUTCSeconds()) : `${pad2(d.getUTCSeconds())}.${fraction9(ms).slice(0, n)}`));
        }
        continue;
      }
      if (w === '4' && t === 'Y') {
        i += 2;
        push((d) => String(d.getUTCFullYear()).padStart(4, '0'));
        continue;
      }
      s = fmt[++i] ?? '';
      // %Ec and friends: the locale-alternative forms are the plain ones in UTC/C.
    }
    const f = specifier(s);
    if (f === undefined) {
      lit += `%${s}`;
      continue;
    }
    if (f === 'fraction') {
      subSecond = true;
      push((_d, ms) => fraction9(ms));
      continue;
    }
    if (typeof f === 'string') {
      lit += f;
      continue;
    }
    push(f);
  }
  if (lit !== '') parts.push(lit);

  const d = new Date(0);
  const render = (ms: number): string => {
    d.setTime(ms);
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(d, ms);
    return out;
  };
  if (subSecond) return render;
  // Nothing finer than a second: one rendering serves the whole second.
  let lastSec = NaN;
  let last = '';
  return (ms: number) => {
    const sec = Math.floor(ms / 1000);
    if (sec !== lastSec) {
      last = render(sec * 1000);
      lastSec = sec;
    }
    return last;
  };
}

/** A field renderer, a literal, 'fraction' for %f, or undefined when unknown. */
function specifier(s: string): Field | string | 'fraction' | undefined {
  switch (s) {
    case '%': return '%';
    case 'n': return '\n';
    case 't': return '\t';
    case 'Y': return (d) => String(d.getUTCFullYear());
    case 'C': return (d) => pad2(Math.floor(d.getUTCFullYear() / 100));
    case 'y': return (d) => pad2(d.getUTCFullYear() % 100);
    case 'm': return (d) => pad2(d.getUTCMonth() + 1);
    case 'd': return (d) => pad2(d.getUTCDate());
    case 'e': return (d) => String(d.getUTCDate()).padStart(2, ' ');
    case 'H': return (d) => pad2(d.getUTCHours());
    case 'k': return (d) => String(d.getUTCHours()).padStart(2, ' ');
    case 'I': return (d) => pad2(d.getUTCHours() % 12 || 12);
    case 'l': return (d) => String(d.getUTCHours() % 12 || 12).padStart(2, ' ');
    case 'p': return (d) => (d.getUTCHours() < 12 ? 'AM' : 'PM');
    case 'M': return (d) => pad2(d.getUTCMinutes());
    case 'S': return (d) => pad2(d.getUTCSeconds());
    case 'j': return (d) => pad3(dayOfYear(d));
    case 'a': return (d) => DAYS[d.getUTCDay()]!.slice(0, 3);
    case 'A': return (d) => DAYS[d.getUTCDay()]!;
    case 'b': case 'h': return (d) => MONTHS[d.getUTCMonth()]!.slice(0, 3);
    case 'B': return (d) => MONTHS[d.getUTCMonth()]!;
    case 'u': return (d) => String(d.getUTCDay() || 7);
    case 'w': return (d) => String(d.getUTCDay());
    case 'Z': return 'UTC';
    case 'z': return '+0000';
    case 's': return (_d, ms) => String(Math.floor(ms / 1000));
    case 'f': return 'fraction';
    case 'T': return (d) => `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
    case 'R': return (d) => `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
    case 'D': return (d) => `${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())}/${pad2(d.getUTCFullYear() % 100)}`;
    case 'F': return (d) => `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
    default: return undefined;
  }
}

function dayOfYear(d: Date): number {
  return Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}
