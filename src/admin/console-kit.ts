import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PageContext } from './pages.js';

/** What every area of the console shares: its page context and how pages are sent. */
export interface ConsoleKit {
  /** The strings, the staff member's language and session, for a page. */
  context(request: FastifyRequest): PageContext;
  /** Sends a page with the console's headers (strict CSP, no caching). */
  sendPage(reply: FastifyReply, status: number, body: string): FastifyReply;
}

/** The signed-in staff member's session and context; the console's auth hook guarantees one. */
export function signedIn(kit: ConsoleKit, request: FastifyRequest) {
  const session = request.staffSession;
  if (!session) throw new Error('console route reached without a session');
  return { ...kit.context(request), session };
}
