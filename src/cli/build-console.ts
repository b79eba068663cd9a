import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeConsoleBundles } from '../admin/console-scripts.js';

/**
 * `npm run build:console` (part of `npm run build`): bundles the staff console's browser scripts
 * beside the compiled console in dist/admin, so the server serves them without esbuild.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
for (const file of await writeConsoleBundles(path.join(root, 'dist', 'admin'))) console.log(`console script → ${path.relative(root, file)}`);
