import { buildWidget } from '../../src/channels/webchat/widget-build.js';
import { WIDGET_DIR } from './global-setup.js';

/** Once per run of the unit lane: builds the widget the web chat tests serve (no database). */
export async function setup(): Promise<void> {
  await buildWidget(WIDGET_DIR);
}
