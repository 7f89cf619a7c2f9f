/** A chat command as every platform's ingress hands it over: the text after the bot's name, who, and where. */
import type { Conversation, Person } from '../core/run.js';

export interface CommandRequest {
  text: string;
  user: Person & { groups?: string[] };
  conversation: Conversation;
  /** How this platform addresses the bot in help texts and hints: "/align" or "@Align Bot". */
  prefix: string;
}
