/**
 * How a topic's bytes become values and back, seen from outside the pipeline: the pipeline's serdes
 * (Schema Registry or plain JSON, checked with the zod schema on read) satisfy these structurally.
 */
export interface RecordDecoder<Value> {
  readonly topic: string;
  /** throws a NexuralError (NXR_PARSE_FAILED, NXR_SCHEMA_INVALID) on bytes that are not a valid value */
  deserialize(bytes: Buffer): Promise<Value>;
}

export interface RecordEncoder<Value> {
  readonly topic: string;
  serialize(value: Value): Promise<Buffer>;
}
