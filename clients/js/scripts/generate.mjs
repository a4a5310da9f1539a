// Renders the @solana/kit client in src/generated from the committed IDL with Codama's JS
// renderer. `--check` renders into a temporary folder and fails if src/generated differs,
// so the committed client always matches the IDL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { visit } from '@codama/visitors-core';
import renderVisitor from '@codama/renderers-js';

const here = path.dirname(fileURLToPath(import.meta.url));
const packageFolder = path.resolve(here, '..');
const idlPath = path.resolve(packageFolder, '../../idl/p_stake_pool.json');

async function render(folder) {
  const root = JSON.parse(fs.readFileSync(idlPath, 'utf8'));
  await visit(
    root,
    renderVisitor(folder, {
      generatedFolder: 'src/generated',
      syncPackageJson: false,
      kitImportStrategy: 'rootOnly',
      deleteFolderBeforeRendering: true,
    }),
  );
  addImportExtensions(path.join(folder, 'src/generated'));
  typePluginForKit8(path.join(folder, 'src/generated/programs/pStakePool.ts'));
}

// The registry's newest JS renderer (2.2.0) targets @solana/kit 6, whose `extendClient`
// returned the intersection type it declares; kit 8's returns `ExtendedClient<T, A>`, which
// is what later renderers declare. Same runtime code, only the plugin's return type changes.
function typePluginForKit8(file) {
  const source = fs.readFileSync(file, 'utf8');
  const rewritten = source
    .replace('): Omit<T, "pStakePool"> & { pStakePool: PStakePoolPlugin } => {', '): ExtendedClient<T, { pStakePool: PStakePoolPlugin }> => {')
    .replace('  type ClientWithRpc,', '  type ClientWithRpc,\n  type ExtendedClient,');
  if (rewritten === source) throw new Error(`${file}: the plugin's return type was not found`);
  fs.writeFileSync(file, rewritten);
}

// The renderer writes extensionless relative imports (for bundlers); Node's ES modules need
// the file: `./x` becomes `./x.js`, a folder `./x/index.js`.
function addImportExtensions(generated) {
  for (const file of listFiles(generated)) {
    const full = path.join(generated, file);
    const source = fs.readFileSync(full, 'utf8');
    const rewritten = source.replace(/(from\s+|import\s*\()(["'])(\.{1,2}(?:\/[^"']*)?)\2/g, (match, lead, quote, spec) => {
      const target = path.resolve(path.dirname(full), spec);
      if (fs.existsSync(`${target}.ts`)) return `${lead}${quote}${spec}.js${quote}`;
      if (fs.existsSync(path.join(target, 'index.ts'))) return `${lead}${quote}${spec}/index.js${quote}`;
      return match;
    });
    if (rewritten !== source) fs.writeFileSync(full, rewritten);
  }
}

function listFiles(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full, base) : [path.relative(base, full)];
  });
}

if (process.argv.includes('--check')) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'p-stake-pool-codama-'));
  await render(scratch);
  const fresh = path.join(scratch, 'src/generated');
  const committed = path.join(packageFolder, 'src/generated');
  const a = listFiles(fresh).sort();
  const b = fs.existsSync(committed) ? listFiles(committed).sort() : [];
  const differing = [...new Set([...a, ...b])].filter((file) => {
    const x = path.join(fresh, file);
    const y = path.join(committed, file);
    return !fs.existsSync(x) || !fs.existsSync(y) || !fs.readFileSync(x).equals(fs.readFileSync(y));
  });
  fs.rmSync(scratch, { recursive: true, force: true });
  if (differing.length > 0) {
    console.error(`src/generated is out of date with the IDL (${differing.join(', ')}): run npm run generate`);
    process.exit(1);
  }
  console.log(`generated client up to date (${a.length} files)`);
} else {
  await render(packageFolder);
  console.log('rendered src/generated');
}
