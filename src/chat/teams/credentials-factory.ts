/** botbuilder's ServiceClientCredentialsFactory, typed through the constructor that takes it (no extra import). */
import type { ConfigurationBotFrameworkAuthentication } from 'botbuilder';

export type CredentialsFactory = NonNullable<
  ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[1]
>;
