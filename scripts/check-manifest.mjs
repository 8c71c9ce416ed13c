// Fails when custom-elements.json (or src/react/events.ts, made from it) is not what `npm run analyze`
// makes from the current src/.
import { readFileSync } from 'node:fs';
import { REACT_EVENTS_FILE, generateManifest, generateReactEvents } from './analyze.mjs';

const fresh = generateManifest();
const committed = readFileSync('custom-elements.json', 'utf8');
if (fresh !== committed) {
  console.error('custom-elements.json is out of date: run `npm run analyze` and commit the result.');
  process.exit(1);
}
if (generateReactEvents(fresh) !== readFileSync(REACT_EVENTS_FILE, 'utf8')) {
  console.error(`${REACT_EVENTS_FILE} is out of date: run \`npm run analyze\` and commit the result.`);
  process.exit(1);
}
const manifest = JSON.parse(committed);
const elements = manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.customElement && d.tagName);
for (const el of elements) {
  const unnamed = (el.events ?? []).filter((e) => !e.name?.startsWith('kimi:'));
  if (unnamed.length) {
    console.error(`<${el.tagName}> has events without a kimi: name in the manifest: ${JSON.stringify(unnamed)}`);
    process.exit(1);
  }
}
console.log(`custom-elements.json and ${REACT_EVENTS_FILE} are current (${elements.map((e) => `<${e.tagName}> ${e.events?.length ?? 0} events`).join(', ')}).`);
