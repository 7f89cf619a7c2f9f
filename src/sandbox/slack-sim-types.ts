/** What the Slack simulator stores and records, and the inputs of its signed requests. */
export interface SimMessage {
  ts: string;
  channel: string;
  text: string;
  blocks: unknown[];
  threadTs?: string;
  edits: number;
  user: string;
  /** Message metadata the bot posted with (`event_type`, `event_payload`). */
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

export interface SimEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
  at: number;
}

export interface SimCall {
  method: string;
  at: number;
  args: Record<string, unknown>;
  status: number;
  error?: string;
}

export interface Fault {
  method: string;
  /** Which call of that method fails: 1 = the next one. */
  nth: number;
  status: number;
  retryAfterS?: number;
  error?: string;
  /**
   * The call is carried out first (the message is stored), then the answer is replaced: by `status` ('answer'),
   * or by nothing at all until the client hangs up ('no-answer', as a timeout sees it).
   */
  accepted?: 'answer' | 'no-answer';
}

/** What changed in the simulator's store; emitted as 'change' on `SlackSim.events`. */
export interface SimChange {
  kind: 'post' | 'update' | 'ephemeral' | 'response';
  channel?: string;
  ts?: string;
  threadTs?: string;
  /** The response_url id, for 'response'. */
  id?: string;
}

export interface CommandInput {
  text: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  command?: string;
}

export interface ClickInput {
  channel: string;
  ts: string;
  actionId: string;
  value: string;
  userId: string;
  userName?: string;
}
