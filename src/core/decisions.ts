/** What a person can decide on a waiting step, and the record of it. */
export type DecisionKind =
  | 'done'
  | 'retry'
  | 'approve'
  | 'deny'
  | 'rollback'
  | 'skip'
  | 'gray'
  | 'input'
  | 'expired';

export interface Decision {
  kind: DecisionKind;
  by: string;
  at: number;
  /** For 'input': the vault id of a stored secret, or a public value (a public key is not a secret). */
  ref?: string;
  /** Optional value that came with an input, e.g. a token's expiry date (YYYY-MM-DD). */
  note?: string;
}
