import {
  BotAdapter,
  TurnContext,
  type Activity,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import { WEBCHAT_CHANNEL_ID } from './channel.js';
import type { ConversationLog, PendingAppend } from './conversations.js';

/** Key of the turn's PendingAppend in its state: the replies wait there for the turn's write. */
export const PENDING_APPEND = Symbol('web chat pending append');

const BOT = { id: 'rahnama', name: 'Rahnama', role: 'bot' };

/**
 * The bot's Markdown with HTML escaped. botframework-webchat renders the HTML inside Markdown,
 * so an `<img src=…>` that reached an answer would load from anywhere and could track its
 * readers. Every `<` that could open a tag, a comment or an autolink becomes `&lt;`, which
 * Markdown shows as `<`; other text (`a < b`) is left as it is.
 */
export const escapeHtmlInMarkdown = (markdown: string): string => markdown.replace(/<(?=[A-Za-z/!?])/g, '&lt;');

/**
 * The botbuilder adapter of the self-hosted web chat: incoming activities run through the bot
 * (see WebChatTurns), and what the bot sends is appended to the conversation with the turn's
 * write, where polling and the WebSocket stream pick it up.
 */
export class WebChatAdapter extends BotAdapter {
  constructor(private readonly conversations: ConversationLog) {
    super();
  }

  /** Runs one turn of a context WebChatTurns prepared (its state and pending appends set). */
  async processContext(context: TurnContext, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.runMiddleware(context, logic);
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const conversationId = context.activity.conversation.id;
    const responses: ResourceResponse[] = [];
    // One after another: the conversation keeps the bot's replies in the order it sent them.
    for (const activity of activities) responses.push(await this.send(context, conversationId, activity));
    return responses;
  }

  private async send(context: TurnContext, conversationId: string, activity: Partial<Activity>): Promise<ResourceResponse> {
    {
      if (activity.type === 'delay') return { id: '' };
      const outgoing = {
        ...activity,
        ...(activity.type === 'message' && typeof activity.text === 'string' ? { text: escapeHtmlInMarkdown(activity.text), textFormat: 'markdown' } : {}),
        channelId: WEBCHAT_CHANNEL_ID,
        conversation: { id: conversationId },
        from: BOT,
        recipient: context.activity.from,
        timestamp: new Date(),
        replyToId: context.activity.id,
      } as Activity;
      // "Typing" matters only while it is true: listeners get it, the history does not.
      if (activity.type === 'typing') {
        // Best effort: ShowTypingMiddleware sends it from a timer, where a failure (the database
        // gone) would be an unhandled rejection that ends the process.
        await this.conversations.broadcast(conversationId, outgoing).catch(() => undefined);
        return { id: '' };
      }
      // In a turn, the reply waits for the turn's write; outside one, it is appended at once.
      const pending = context.turnState.get(PENDING_APPEND) as PendingAppend | undefined;
      return { id: pending ? pending.add(outgoing) : await this.conversations.append(conversationId, outgoing) };
    }
  }

  async updateActivity(): Promise<void> {
    throw new Error('the web chat does not edit sent messages');
  }

  async deleteActivity(): Promise<void> {
    throw new Error('the web chat does not delete sent messages');
  }

  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: 'event', name: 'continueConversation' }, reference, true);
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }
}
