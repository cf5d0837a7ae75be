// Parses each file given with Mermaid's own parser (what GitHub renders with) and exits non-zero
// on the first diagram it rejects. Usage: node check.mjs FILE...
import { JSDOM } from 'jsdom';
import fs from 'node:fs';

const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const { diagramType } = await mermaid.parse(fs.readFileSync(file, 'utf8'));
    console.log(`${file}: ${diagramType} ok`);
  } catch (err) {
    failed++;
    console.log(`${file}: ${err.message}`);
  }
}
if (process.argv.length < 3) {
  console.log('usage: node check.mjs FILE...');
  failed++;
}
process.exit(failed ? 1 : 0);
