/**
 * Microsoft's `adaptivecards` parser and validator at target version 1.5 (reference/teams.md §4). The package's ESM
 * build does not load in Node; its UMD build does, and needs no DOM to parse and validate.
 */
import { createRequire } from 'node:module';

interface AcEvent {
  phase?: number;
  event: number;
  message: string;
}

interface AcCard {
  parse(json: unknown, context: unknown): void;
  validateProperties(): { validationEvents: AcEvent[] };
  toJSON(context?: unknown): unknown;
}

interface AdaptiveCardsModule {
  AdaptiveCard: new () => AcCard;
  SerializationContext: new (version: unknown) => { eventCount: number; getEventAt(i: number): AcEvent };
  Versions: { v1_5: unknown };
  ValidationEvent: Record<number, string>;
}

const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as AdaptiveCardsModule;

/** Every parse and validation event Microsoft's package raises for the card at version 1.5; [] when clean. */
export function validationEvents(card: unknown): string[] {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(card, context);
  const events: string[] = [];
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    events.push(`parse: ${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  for (const e of parsed.validateProperties().validationEvents) {
    events.push(`validate: ${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  return events;
}

/** The card as the package serializes it back at 1.5: a property it does not know is missing here. */
export function reserialized(card: unknown): unknown {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(card, context);
  return parsed.toJSON(new AC.SerializationContext(AC.Versions.v1_5));
}
