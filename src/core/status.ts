/** Outcome of one check, and the states of a run's step (a check or a guided step). */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';
export type StepStatus = 'pending' | 'running' | 'waiting' | CheckStatus;
