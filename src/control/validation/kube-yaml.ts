// YAML read as Kubernetes and Istio read it. kubectl, the API server and
// istioctl turn YAML into JSON with sigs.k8s.io/yaml, which parses with
// go-yaml v2: YAML 1.1 scalars, with go-yaml's own rules (resolve.go and
// scannerc.go). Where YAML 1.1, YAML 1.2 and go-yaml disagree, weft takes
// go-yaml's answer, so a file means the same thing to weft as to Istio:
// - booleans: y Y yes Yes YES on On ON / n N no No NO off Off OFF, and
//   true/false in three spellings (keys too: `on:` is the key "true");
// - null: empty, ~, null, Null, NULL;
// - integers as Go's strconv.ParseInt(s, 0, 64) after removing every "_":
//   0x1F hex, 0o17 and 0755 octal (493), 0b101 binary, +12, 1_000;
//   otherwise YAML floats (`08` and `1.` are the floats 8 and 1);
// - no sexagesimal numbers: `1:20` is the string "1:20" (YAML 1.1 would say 80);
// - timestamps stay strings (go-yaml keeps them as written in untyped maps);
// - in a flow sequence, ':' ends a plain scalar only before a space: the
//   IPv6 address in `[1.2.3.4, 001:db8::]` is the string "001:db8::" (a
//   YAML 1.2 parser reads a map {"001:db8:": null}).
// A value of the wrong type for a field (an unquoted `yes` where a string is
// wanted) is then a schema error naming the field, as the API server's.
import { isMap, isPair, isScalar, isSeq, Scalar, visit, type Document, type ParseOptions, type DocumentOptions, type SchemaOptions, type ScalarTag, type Tags } from 'yaml';

const INT = 'tag:yaml.org,2002:int';
const FLOAT = 'tag:yaml.org,2002:float';
const TIMESTAMP = 'tag:yaml.org,2002:timestamp';

// go-yaml v2's yamlStyleFloat.
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const SPECIAL_FLOATS: Record<string, number> = {
  '.inf': Infinity, '.Inf': Infinity, '.INF': Infinity, '+.inf': Infinity, '+.Inf': Infinity, '+.INF': Infinity,
  '-.inf': -Infinity, '-.Inf': -Infinity, '-.INF': -Infinity,
  '.nan': NaN, '.NaN': NaN, '.NAN': NaN,
};

/** Go's strconv.ParseInt(s, 0, 64) (digits only, no underscores: the caller removed them). */
function parseGoInt(s: string): number | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  const sign = m[1] === '-' ? -1 : 1;
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (/^0[oO]/.test(body)) v = parseInt(body.slice(2), 8);
  else if (/^0[bB]/.test(body)) v = parseInt(body.slice(2), 2);
  else if (body.length > 1 && body.startsWith('0')) v = parseInt(body.slice(1), 8);
  else v = parseInt(body, 10);
  return v === 0 ? 0 : sign * v;
}

/** The number go-yaml v2 reads from an untagged plain scalar, or undefined when it stays a string. */
export function goYamlNumber(s: string): number | undefined {
  if (s in SPECIAL_FLOATS) return SPECIAL_FLOATS[s];
  const c = s.charAt(0);
  if (c === '.') return YAML_STYLE_FLOAT.test(s) ? Number(s) : undefined;
  if (!(c === '+' || c === '-' || (c >= '0' && c <= '9'))) return undefined;
  const plain = s.replace(/_/g, '');
  const i = parseGoInt(plain);
  if (i !== undefined) return i;
  if (YAML_STYLE_FLOAT.test(plain)) return Number(plain);
  return undefined;
}

const goNumber: ScalarTag = {
  identify: (v) => typeof v === 'number',
  default: true,
  tag: FLOAT,
  // An object with test(), as the library calls tag.test.test(source).
  test: { test: (s: string) => goYamlNumber(s) !== undefined } as unknown as RegExp,
  resolve: (s: string) => goYamlNumber(s)!,
};

/** YAML 1.1's tags with go-yaml's number rules and without sexagesimals or timestamps. */
function kubeTags(tags: Tags): Tags {
  const kept = tags.filter((t) => {
    if (typeof t === 'string') return true;
    const tag = (t as ScalarTag).tag;
    return !((t as ScalarTag).default === true && (tag === INT || tag === FLOAT || tag === TIMESTAMP));
  });
  return [goNumber, ...kept];
}

/** Options for parseAllDocuments so documents read as Kubernetes reads them. */
export const KUBE_YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: kubeTags,
};

/**
 * Undoes the one place the parser splits a flow-sequence item where go-yaml
 * does not: `[001:db8::]` is read as a map whose key ends just before a ':'
 * that a flow indicator follows. go-yaml keeps the ':' in the scalar.
 */
export function joinFlowColons(doc: Document, text: string): void {
  visit(doc, {
    Seq(_key, seq) {
      if (!isSeq(seq) || !seq.flow) return;
      seq.items = seq.items.map((item) => {
        // The parser gives a one-pair flow map (or a bare pair) for `key:` in a flow sequence.
        const pair = isMap(item) && item.items.length === 1 ? item.items[0] : item;
        if (!isPair(pair) || !isScalar(pair.key) || pair.key.type !== 'PLAIN') return item;
        if (pair.value !== null && !(isScalar(pair.value) && pair.value.value === null && pair.value.source === '')) return item;
        const range = pair.key.range;
        if (!range) return item;
        const end = range[1];
        if (!/^:[,\]}]/.test(text.slice(end, end + 2))) return item;
        const source = `${text.slice(range[0], end)}:`;
        const s = new Scalar(goYamlNumber(source) ?? source);
        s.range = [range[0], end + 1, end + 1];
        return s;
      });
    },
  });
}
