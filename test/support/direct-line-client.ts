import type { Activity } from 'botbuilder';
import WebSocket from 'ws';

/** A Direct Line conversation as a client sees it: its id, token and user, on whichever server it talks to. */
export interface DirectLineConversation {
  readonly conversationId: string;
  readonly token: string;
  /** The user the token was issued to: the server accepts activities only from this id. */
  readonly userId: string;
}

const json = async (response: Response) => {
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  return response.json() as Promise<Record<string, unknown>>;
};

/** Starts a conversation on `server` as the web chat widget does: a token, then the conversation. */
export async function startConversation(server: string): Promise<DirectLineConversation> {
  const { token } = (await json(await fetch(`${server}/v3/directline/tokens/generate`, { method: 'POST' }))) as { token: string };
  const started = (await json(await fetch(`${server}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }))) as { conversationId: string; user: { id: string } };
  return { conversationId: started.conversationId, token, userId: started.user.id };
}

/** Posts a message; resolves with the HTTP response (a 200 means the server acknowledged it). */
export function postMessage(server: string, conversation: DirectLineConversation, text: string, from = conversation.userId): Promise<Response> {
  return fetch(`${server}/v3/directline/conversations/${conversation.conversationId}/activities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${conversation.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'message', text, from: { id: from } }),
  });
}

/** Every activity after `watermark`, read by polling. */
export async function activitiesOf(server: string, conversation: DirectLineConversation, watermark = 0): Promise<{ activities: Activity[]; watermark: string }> {
  const url = `${server}/v3/directline/conversations/${conversation.conversationId}/activities?watermark=${watermark}`;
  return (await json(await fetch(url, { headers: { authorization: `Bearer ${conversation.token}` } }))) as { activities: Activity[]; watermark: string };
}

/** The conversation's WebSocket stream on `server`, collecting what arrives. */
export async function openStream(server: string, conversation: DirectLineConversation, watermark?: number) {
  const base = server.replace(/^http/, 'ws');
  const socket = new WebSocket(`${base}/v3/directline/conversations/${conversation.conversationId}/stream?t=${conversation.token}${watermark === undefined ? '' : `&watermark=${watermark}`}`);
  const received: Activity[] = [];
  socket.on('message', (data) => {
    const text = data.toString();
    if (text) received.push(...(JSON.parse(text) as { activities: Activity[] }).activities);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { received, close: () => socket.close() };
}

/** The texts of the bot's messages among `activities`. */
export const botTexts = (activities: readonly Activity[]) => activities.filter((a) => a.type === 'message' && a.from?.role === 'bot').map((a) => a.text ?? '');
