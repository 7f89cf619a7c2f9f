/** A chat command as every platform's ingress hands it over: the text after the bot's name, who, and where. */
import type { Conversation, Person } from '../core/run.js';

export interface CommandRequest {
  text: string;
  user: Person & { groups?: string[] };
  conversation: Conversation;
  /** How this platform addresses the bot in help texts and hints: "/align" or "@Align Bot". */
  prefix: string;
  /**
   * The platform answers a command that starts a run with the run's root message itself (Teams: a reply in the
   * command's thread), then reports where it landed; the outbox edits that message instead of posting one.
   */
  answerWithRoot?: boolean;
}
