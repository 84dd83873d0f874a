// Field paths in messages: `spec.http[0].route[1].destination.subset`; map
// keys that are not plain words are quoted: `metadata.labels["app.kubernetes.io/name"]`.
// parsePath is the inverse, used to find a path's line in the YAML source.

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Appends a field name, map key or list index to a path. */
export function childPath(parent: string, child: string | number): string {
  if (typeof child === 'number') return `${parent}[${child}]`;
  if (PLAIN_KEY.test(child)) return parent ? `${parent}.${child}` : child;
  return `${parent}[${JSON.stringify(child)}]`;
}

/** Splits a path into its keys and indexes; undefined when it is not a path childPath makes. */
export function parsePath(path: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i]!;
    if (c === '.') {
      i++;
      continue;
    }
    if (c === '[') {
      if (path[i + 1] === '"') {
        // A JSON string up to the closing quote that is followed by ']'.
        let j = i + 2;
        while (j < path.length && !(path[j] === '"' && path[j - 1] !== '\\' && path[j + 1] === ']')) j++;
        try {
          out.push(JSON.parse(path.slice(i + 1, j + 1)) as string);
        } catch {
          return undefined;
        }
        i = j + 2;
        continue;
      }
      const end = path.indexOf(']', i);
      if (end < 0) return undefined;
      const n = Number(path.slice(i + 1, end));
      if (!Number.isInteger(n)) return undefined;
      out.push(n);
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
    out.push(path.slice(i, j));
    i = j;
  }
  return out;
}
