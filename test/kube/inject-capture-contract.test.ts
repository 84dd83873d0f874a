// The contract between the injector and the capture step: the arguments the
// injector writes into istio-init are accepted by `weft iptables` and give
// the rules they mean. Runs `weft iptables --dry-run` (no root needed);
// skipped, with the reason, on a tree where that command does not exist yet.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { defaultInjectionConfig, injectPod } from '../../src/kube/inject/index.js';
import { podFrom } from '../../src/kube/inject/test-kit.js';
import { WEFT_BIN } from '../helpers/process-harness.js';

const help = spawnSync(process.execPath, [WEFT_BIN, 'iptables', '--help'], { encoding: 'utf8' });
const SKIP = help.status === 0 ? false : 'weft iptables is not part of this tree (the traffic capture part defines it)';

function initArgs(file: string, name: string, annotations: Record<string, string> = {}): string[] {
  const pod = podFrom(file, name);
  pod.metadata = { ...pod.metadata, annotations: { ...pod.metadata?.annotations, ...annotations } };
  const r = injectPod({ pod, namespace: 'default', config: defaultInjectionConfig() });
  assert.equal(r.outcome, 'injected');
  const init = (r as { pod: typeof pod }).pod.spec.initContainers!.find((c) => c.name === 'istio-init')!;
  return init.args as string[];
}

describe('istio-init arguments and weft iptables', { skip: SKIP }, () => {
  it('the default capture: outbound to 15001, inbound to 15006, UID 1337 excluded, the sidecar\'s ports not captured', () => {
    const args = initArgs('hello.yaml', 'hello');
    assert.equal(args[0], 'iptables');
    const r = spawnSync(process.execPath, [WEFT_BIN, ...args, '--dry-run'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /--to-ports 15001/);
    assert.match(r.stdout, /--to-ports 15006/);
    assert.match(r.stdout, /--uid-owner 1337/);
    for (const p of ['15020', '15021', '15090']) assert.match(r.stdout, new RegExp(`--dport ${p} -j RETURN`));
  });

  it('the annotations\' ranges and ports reach the rules', () => {
    const args = initArgs('multi.yaml', 'reviews-v1');
    const r = spawnSync(process.execPath, [WEFT_BIN, ...args, '--dry-run'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /10\.96\.0\.0\/12/);
    assert.match(r.stdout, /169\.254\.169\.254\/32 -j RETURN/);
    assert.match(r.stdout, /--dport 8081 -j RETURN/);
    assert.match(r.stdout, /5432/);
  });
});
