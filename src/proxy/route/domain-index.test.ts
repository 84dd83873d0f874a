import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainIndex, portStart } from './domain-index.js';

function index(domains: string[], ignorePort = false): DomainIndex<string> {
  const ix = new DomainIndex<string>(ignorePort);
  for (const d of domains) assert.equal(ix.add(d, d), undefined, d);
  return ix;
}

test('precedence: exact, then longest suffix wildcard, then longest prefix wildcard, then *', () => {
  const ix = index(['*', 'api.example.com', '*.example.com', '*.api.example.com', '*-bar.example.com', 'api.*', 'api.example.*', 'foo*']);
  const cases: [string, string][] = [
    ['api.example.com', 'api.example.com'],
    ['v1.api.example.com', '*.api.example.com'],
    ['www.example.com', '*.example.com'],
    ['baz-bar.example.com', '*-bar.example.com'],
    ['api.example.org', 'api.example.*'],
    ['api.other.org', 'api.*'],
    ['foobar', 'foo*'],
    ['unknown.org', '*'],
  ];
  for (const [host, want] of cases) assert.equal(ix.find(host), want, host);
});

test('suffix beats prefix wildcard regardless of length', () => {
  const ix = index(['*.com', 'www.example.*']);
  assert.equal(ix.find('www.example.com'), '*.com');
});

test('hosts compare case-insensitively', () => {
  const ix = index(['API.Example.com', '*.Wild.com']);
  assert.equal(ix.find('api.EXAMPLE.com'), 'API.Example.com');
  assert.equal(ix.find('X.WILD.COM'), '*.Wild.com');
});

test('a wildcard never matches the empty string', () => {
  const ix = index(['*.example.com', 'www.*']);
  assert.equal(ix.find('.example.com'), undefined);
  assert.equal(ix.find('www.'), undefined);
  assert.equal(ix.find('a.example.com'), '*.example.com');
});

test('by default the port takes part in matching', () => {
  const ix = index(['example.com', 'example.com:8080']);
  assert.equal(ix.find('example.com'), 'example.com');
  assert.equal(ix.find('example.com:8080'), 'example.com:8080');
  assert.equal(ix.find('example.com:9090'), undefined);
  const wild = index(['*.example.com']);
  assert.equal(wild.find('a.example.com:80'), undefined);
  assert.equal(index(['*']).find('anything:1'), '*');
});

test('ignore_port_in_host_matching strips the port (IPv6 aware)', () => {
  const ix = index(['example.com', '[::1]', '10.0.0.1'], true);
  assert.equal(ix.find('example.com:8080'), 'example.com');
  assert.equal(ix.find('[::1]:80'), '[::1]');
  assert.equal(ix.find('10.0.0.1:443'), '10.0.0.1');
  assert.equal(portStart('[::1]'), -1);
  assert.equal(portStart('::1'), -1);
  assert.equal(portStart('a:1'), 1);
});

test('duplicate and malformed domains are refused', () => {
  const ix = new DomainIndex<string>(false);
  assert.equal(ix.add('a.com', 'x'), undefined);
  assert.match(ix.add('A.com', 'y')!, /duplicate/);
  assert.equal(ix.add('*', 'x'), undefined);
  assert.match(ix.add('*', 'y')!, /duplicate/);
  assert.match(ix.add('a*b.com', 'y')!, /wildcard/);
  assert.match(ix.add('*a*', 'y')!, /wildcard/);
  assert.match(ix.add('', 'y')!, /empty/);
});
