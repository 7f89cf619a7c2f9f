/** One request to the Jira simulator as its route handlers see it, and the handler shape itself. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JiraSite, SimAccount } from './jira-site.js';

export type JiraRoute = (ctx: JiraRequest) => Promise<boolean> | boolean;

export interface JiraRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Path below the site (the gateway prefix removed). */
  path: string;
  body: string;
  site: JiraSite;
  viaGateway: boolean;
  auth: AuthResult;
}

export interface AuthResult {
  /** Credentials were on the request. */
  sent: boolean;
  account?: SimAccount;
  scheme?: 'basic' | 'bearer' | 'oauth';
}
