import { afterEach } from 'vitest';

/**
 * What a test opens (a store, then the server on it), closed after each test, the last opened
 * first: `const store = closing(await openStore(config))`.
 */
export function useClosedAfterEach(): <T extends { close(): unknown }>(opened: T) => T {
  const open: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const opened of open.splice(0).reverse()) await opened.close();
  });
  return (opened) => {
    open.push(opened);
    return opened;
  };
}
