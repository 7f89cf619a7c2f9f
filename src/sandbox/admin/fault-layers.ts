/**
 * A simulated site shows one fault at a time, but several controls may want one (the IP allowlist, CAPTCHA, a
 * "break it" click). Each control adds or drops its own wish; the site shows the most recent wish still standing,
 * so turning one control off never silently undoes another.
 */

interface Wish<T> {
  by: string;
  set(target: T): void;
}

export class FaultLayers<T extends object> {
  private readonly wishes = new WeakMap<T, Wish<T>[]>();

  /**
   * `clear` puts a target back to no fault; `preset` names a fault the target already had before any control
   * touched it (so the first wish does not lose it).
   */
  constructor(
    private readonly clear: (target: T) => void,
    private readonly preset: (target: T) => Wish<T> | undefined,
  ) {}

  want(target: T, by: string, set: (target: T) => void): void {
    const list = this.list(target).filter((w) => w.by !== by);
    list.push({ by, set });
    this.wishes.set(target, list);
    this.apply(target);
  }

  drop(target: T, by: string): void {
    this.wishes.set(
      target,
      this.list(target).filter((w) => w.by !== by),
    );
    this.apply(target);
  }

  has(target: T, by: string): boolean {
    return this.list(target).some((w) => w.by === by);
  }

  private list(target: T): Wish<T>[] {
    let list = this.wishes.get(target);
    if (!list) {
      const preset = this.preset(target);
      list = preset ? [preset] : [];
      this.wishes.set(target, list);
    }
    return list;
  }

  private apply(target: T): void {
    this.clear(target);
    this.list(target).at(-1)?.set(target);
  }
}
