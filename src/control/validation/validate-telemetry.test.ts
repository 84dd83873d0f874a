// Telemetry validation: the examples of Istio's Telemetry reference and tasks
// are accepted (v1 and v1alpha1); each rule refuses its case with its code
// and field path, every error of one object at once; what weft cannot
// evaluate is refused by name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { validateObject } from './validate-object.js';

// From istio.io/latest/docs/reference/config/telemetry/ and the "Customizing Istio Metrics with Telemetry API"
// and "Envoy Access Logs" tasks.
const ISTIO_EXAMPLES = `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-default
  namespace: istio-system
spec:
  accessLogging:
  - providers:
    - name: envoy
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: namespace-metrics
  namespace: myapp
spec:
  metrics:
  - providers:
    - name: prometheus
    overrides:
    - match:
        metric: REQUEST_COUNT
        mode: CLIENT
      tagOverrides:
        request_method:
          value: request.method
        response_code:
          operation: REMOVE
    - match:
        metric: ALL_METRICS
      tagOverrides:
        destination_port:
          value: "destination.port"
---
apiVersion: telemetry.istio.io/v1alpha1
kind: Telemetry
metadata:
  name: disable-server-logging
  namespace: foo
spec:
  selector:
    matchLabels:
      app: reviews
  accessLogging:
  - providers:
    - name: envoy
    match:
      mode: SERVER
    disabled: true
  - providers:
    - name: envoy
    filter:
      expression: response.code >= 400
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-tracing
  namespace: istio-system
spec:
  tracing:
  - providers:
    - name: zipkin
    randomSamplingPercentage: 10.0
    customTags:
      my_tag_header:
        header:
          name: x-my-header
          defaultValue: unknown
      my_tag_env:
        environment:
          name: MY_ENV
      my_tag_literal:
        literal:
          value: "some value"
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: no-grpc
  namespace: istio-system
spec:
  metrics:
  - providers:
    - name: prometheus
    overrides:
    - match:
        metric: GRPC_REQUEST_MESSAGES
      disabled: true
    - match:
        customMetric: requests_total
        mode: SERVER
      disabled: true
`;

const tel = (spec: unknown, apiVersion = 'telemetry.istio.io/v1') =>
  validateObject({ apiVersion, kind: 'Telemetry', metadata: { name: 't', namespace: 'ns' }, spec });
const codes = (spec: unknown) => tel(spec).messages.map((m) => [m.code, m.path]);

describe('Telemetry validation', () => {
  it('accepts Istio\'s documented examples in v1 and v1alpha1, with no message', () => {
    const docs = parseAllDocuments(ISTIO_EXAMPLES).map((d) => d.toJS());
    assert.equal(docs.length, 5);
    for (const d of docs) {
      const r = validateObject(d);
      assert.deepEqual(r.messages, [], `${d.metadata.name}`);
      assert.equal(r.object?.kind, 'Telemetry');
    }
  });

  it('refuses versions weft does not read', () => {
    assert.deepEqual(tel({}, 'telemetry.istio.io/v2').messages.map((m) => [m.code, m.path]), [['WEFT0005', 'apiVersion']]);
  });

  it('reports every error of one object at once, each at its path', () => {
    const got = codes({
      selector: { matchLabels: {} },
      targetRefs: [{ kind: 'Gateway', name: 'gw' }],
      tracing: [{ providers: [{ name: 'a' }, { name: 'b' }], randomSamplingPercentage: 150, customTags: { t: {}, h: { header: {} } }, bogus: 1 }],
      metrics: [{
        providers: [{}],
        reportingInterval: '100us',
        overrides: [
          { match: { metric: 'REQUEST_COUNT', customMetric: 'requests_total' } },
          { match: { metric: 'NOT_A_METRIC', mode: 'BOTH' } },
          { match: { customMetric: 'my_metric' } },
          { tagOverrides: { ok: { value: "'literal'" }, 'bad-name': { value: 'request.method' }, empty: {}, rm: { operation: 'REMOVE', value: 'x' }, cel: { value: 'request.size' } } },
        ],
      }],
      accessLogging: [
        { providers: [{ name: 'envoy' }], filter: {} },
        { filter: { expression: 'response.code >= 400 && request.method == "GET"' } },
        { match: { mode: 'EVERYWHERE' } },
      ],
    });
    assert.deepEqual(got, [
      ['WEFT0016', 'spec.targetRefs'],
      ['WEFT0010', 'spec.tracing[0].bogus'],
      ['WEFT0015', 'spec.metrics[0].overrides[0].match.customMetric'],
      ['WEFT0013', 'spec.metrics[0].overrides[1].match.metric'],
      ['WEFT0013', 'spec.metrics[0].overrides[1].match.mode'],
      ['WEFT0013', 'spec.accessLogging[2].match.mode'],
      ['WEFT0152', 'spec.selector'],
      ['WEFT0106', 'spec.tracing[0].providers'],
      ['WEFT0102', 'spec.tracing[0].randomSamplingPercentage'],
      ['WEFT0107', 'spec.tracing[0].customTags.t'],
      ['WEFT0107', 'spec.tracing[0].customTags.h.header.name'],
      ['WEFT0107', 'spec.metrics[0].providers[0].name'],
      ['WEFT0111', 'spec.metrics[0].reportingInterval'],
      ['WEFT0164', 'spec.metrics[0].reportingInterval'],
      ['WEFT0118', 'spec.metrics[0].overrides[2].match.customMetric'],
      ['WEFT0109', 'spec.metrics[0].overrides[3].tagOverrides.bad-name'],
      ['WEFT0107', 'spec.metrics[0].overrides[3].tagOverrides.empty.value'],
      ['WEFT0106', 'spec.metrics[0].overrides[3].tagOverrides.rm.value'],
      ['WEFT0118', 'spec.metrics[0].overrides[3].tagOverrides.cel.value'],
      ['WEFT0107', 'spec.accessLogging[0].filter.expression'],
      ['WEFT0118', 'spec.accessLogging[1].filter.expression'],
    ]);
    assert.equal(tel({ targetRefs: [] }).object, undefined, 'an object with errors is not applied');
  });

  it('reportingInterval alone is a warning: the object applies', () => {
    const r = tel({ metrics: [{ reportingInterval: '15s' }] });
    assert.deepEqual(r.messages.map((m) => [m.code, m.severity]), [['WEFT0164', 'warning']]);
    assert.ok(r.object);
  });

  it('tracing useRequestIdForTraceSampling: true (Istio\'s default) passes, false is refused by name', () => {
    assert.deepEqual(codes({ tracing: [{ useRequestIdForTraceSampling: true }] }), []);
    assert.deepEqual(codes({ tracing: [{ useRequestIdForTraceSampling: false }] }), [['WEFT0016', 'spec.tracing[0].useRequestIdForTraceSampling']]);
  });

  it('the supported tag expressions and log filters pass; the refusal names the supported list', () => {
    const values = ["'x'", '"y"', 'request.method', 'request.path', 'request.url_path', 'request.host', 'request.scheme', 'request.protocol',
      "request.headers['x-user']", 'request.headers["x-b3"]', "response.headers['x-cache']", 'response.code', 'response.code_details',
      'response.flags', 'destination.port', 'connection.mtls', 'xds.cluster_name', 'xds.route_name'];
    const tagOverrides = Object.fromEntries(values.map((v, i) => [`t${i}`, { value: v }]));
    assert.deepEqual(tel({ metrics: [{ overrides: [{ tagOverrides }] }] }).messages, []);
    for (const expression of ['response.code >= 400', 'response.code == 0 || response.code >= 500', 'response.code > 200 && response.code < 300', 'response.code != 404']) {
      assert.deepEqual(tel({ accessLogging: [{ filter: { expression } }] }).messages, [], expression);
    }
    const bad = tel({ metrics: [{ overrides: [{ tagOverrides: { x: { value: 'upstream_peer.labels["app"].value' } } }] }] }).messages[0]!;
    assert.equal(bad.code, 'WEFT0118');
    assert.match(bad.message, /request\.method/);
  });
});
