import { Entity } from 'botframework-connector/lib/connectorApi/models/mappers';

/**
 * botframework-connector 4.23 declares `Activity.entities` as entities with additional properties, but
 * @azure/core-client serializes a sequence's elements with the model mapper named by the element's class (its
 * "Quirk" in serializeSequenceType), and the `Entity` model declares only type, text and mentioned. So every other
 * property of an outgoing entity is dropped on the wire: a `streaminfo` entity reaches Teams as `{type}` alone, and Teams
 * refuses such a stream update (MicrosoftDocs/msteams-docs#12940). Giving the model the additional properties the
 * Activity mapper meant it to have sends entities as the bot wrote them (streaming-ux.md: streamType, streamSequence,
 * streamId on the entity). Idempotent; every adapter in the process shares the mapper.
 */
export function keepEntityProperties(): void {
  const type = Entity.type as { additionalProperties?: unknown };
  type.additionalProperties ??= { type: { name: 'Object' } };
}
