import path from 'node:path';
import { buildWidget } from '../../src/channels/webchat/widget-build.js';
import { ROOT } from './paths.js';

/** The built widget every test serves: built once before the test files run in parallel. */
export const WIDGET_DIR = path.join(ROOT, 'dist/widget');

export async function setup(): Promise<void> {
  await buildWidget(WIDGET_DIR);
}
