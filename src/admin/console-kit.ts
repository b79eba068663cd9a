import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KnowledgeEntry } from '../knowledge/schema.js';
import type { Lang } from '../languages.js';
import type { AskResult } from '../retrieval/engine.js';
import type { EngineReading } from './inbox.js';
import type { KnowledgeEditor } from './knowledge-editor.js';
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

/** The knowledge as the console's areas see it: what is published, publishing, and the engine's view. */
export interface ConsoleKnowledge {
  entries: () => Iterable<KnowledgeEntry>;
  editor: KnowledgeEditor;
  /** What the bot would answer if `draft` were published (nothing live changes). */
  preview: (draft: KnowledgeEntry, question: string, lang: Lang) => Promise<AskResult>;
  /** How the engine reads a question people asked in a conversation in `lang` (see `readQuestion`). */
  explain: (question: string, lang: Lang) => Promise<EngineReading>;
}
