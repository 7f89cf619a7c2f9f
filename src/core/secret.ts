/**
 * A secret value that refuses to be printed: String(), JSON.stringify() and util.inspect() all show "[secret]".
 * Only `reveal()` hands out the value, at the last moment (an Authorization header, an encryption call).
 */
const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  get length(): number {
    return this.#value.length;
  }

  toString(): string {
    return '[secret]';
  }

  toJSON(): string {
    return '[secret]';
  }

  [inspectSymbol](): string {
    return '[secret]';
  }
}
