/** What the Slack simulator stores and records, and the inputs of its signed requests. */
export interface SimMessage {
  ts: string;
  channel: string;
  text: string;
  blocks: unknown[];
  threadTs?: string;
  edits: number;
  user: string;
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
