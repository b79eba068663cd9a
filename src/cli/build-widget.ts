import { loadConfig } from '../config.js';
import { buildWidget } from '../channels/webchat/widget-build.js';

/** `npm run build:widget`: bundles the web chat widget into WIDGET_DIR and prints its sizes. */
const config = loadConfig();
const files = await buildWidget(config.widgetDir);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
for (const f of files) console.log(`${f.name.padEnd(12)} ${kb(f.bytes).padStart(9)}  gzip ${kb(f.gzipBytes).padStart(8)}  brotli ${kb(f.brotliBytes).padStart(8)}`);
const budget = files.filter((f) => f.name !== 'index.html').reduce((sum, f) => sum + f.gzipBytes, 0);
console.log(`widget JS + CSS gzipped: ${kb(budget)} (budget 30 KB) → ${config.widgetDir}`);
