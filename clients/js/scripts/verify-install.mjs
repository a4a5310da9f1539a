// After `npm install --no-save` (see scripts/install.sh): every package the lockfile lists
// is installed at its locked version, and LiteSVM's native binary for this machine loads.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const problems = [];
let checked = 0;
for (const [where, locked] of Object.entries(lock.packages)) {
  if (where === '' || locked.extraneous) continue;
  const manifest = path.join(root, where, 'package.json');
  if (!fs.existsSync(manifest)) {
    if (!locked.optional) problems.push(`${where} is missing`);
    continue;
  }
  const installed = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
  if (installed !== locked.version) problems.push(`${where} is ${installed}, locked ${locked.version}`);
  checked++;
}
if (problems.length > 0) {
  console.error(`node_modules does not match package-lock.json:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
const { LiteSVM } = await import('litesvm');
new LiteSVM();
console.log(`${checked} packages at their locked versions; LiteSVM's native binary loads`);
