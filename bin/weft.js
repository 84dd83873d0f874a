#!/usr/bin/env node
// weft command entry point; the CLI lives in src/cli (compiled to dist/).
import('../dist/src/cli/main.js').then((m) => m.main(process.argv.slice(2))).catch((err) => {
  console.error(err?.stack ?? String(err));
  process.exit(1);
});
