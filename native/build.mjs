// Builds weft's native addon (native/original_dst.cc → native/build/weft_original_dst.node)
// with the system C++ compiler and Node's own headers, downloading nothing
// (node-gyp would fetch headers; the compiler is called directly instead).
// Never fails the build: without a compiler or headers it says why and exits 0,
// and traffic capture reports the addon as missing at run time
// (src/proxy/listener/original-dst/addon.ts).
//   node native/build.mjs            build when the source is newer than the binary
//   node native/build.mjs --force    always rebuild
//   WEFT_NODE_INCLUDE=/path          Node's include folder (default: <node prefix>/include/node, then /usr/include/node)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, 'original_dst.cc');
const outDir = path.join(here, 'build');
const out = path.join(outDir, 'weft_original_dst.node');
const force = process.argv.includes('--force');

function skip(reason) {
  process.stderr.write(`native: weft_original_dst.node not built: ${reason}; \`weft proxy\` runs, but traffic capture (original destination) is unavailable\n`);
  process.exit(0);
}

if (process.platform !== 'linux') skip(`SO_ORIGINAL_DST is Linux-only (platform ${process.platform})`);
if (!force && fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(src).mtimeMs) process.exit(0);
const candidates = [process.env.WEFT_NODE_INCLUDE, path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node'), '/usr/include/node', '/usr/local/include/node']
  .filter((d) => d && fs.existsSync(path.join(d, 'node_api.h')));
if (candidates.length === 0) skip('no node_api.h found (set WEFT_NODE_INCLUDE, or install Node\'s headers: Debian package libnode-dev or nodejs headers)');
const cxx = process.env.CXX || 'g++';
fs.mkdirSync(outDir, { recursive: true });
const tmp = `${out}.tmp-${process.pid}`;
const r = spawnSync(cxx, ['-O2', '-std=c++17', '-shared', '-fPIC', '-Wall', '-Werror', '-DNODE_GYP_MODULE_NAME=weft_original_dst', `-I${candidates[0]}`, src, '-o', tmp], { stdio: ['ignore', 'inherit', 'inherit'] });
if (r.error) skip(`${cxx}: ${r.error.message}`);
if (r.status !== 0) {
  fs.rmSync(tmp, { force: true });
  skip(`${cxx} exited ${r.status}`);
}
fs.renameSync(tmp, out);
process.stderr.write(`native: built ${path.relative(process.cwd(), out)}\n`);
