import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { isPersistenceError, PersistenceError, raceAbort } from "../src/index.js";
import { deferred } from "./support/fakes.js";

describe("raceAbort", () => {
  it("returns the promise itself when there is no signal", async () => {
    const promise = Promise.resolve(7);
    expect(raceAbort(promise, undefined)).toBe(promise);
    await expect(raceAbort(promise, undefined)).resolves.toBe(7);
  });

  it("fulfils and rejects like the promise when the signal never aborts", async () => {
    const controller = new AbortController();
    await expect(raceAbort(Promise.resolve("ok"), controller.signal)).resolves.toBe("ok");
    const failure = new Error("boom");
    await expect(raceAbort(Promise.reject(failure), controller.signal)).rejects.toBe(failure);
  });

  it("rejects at once with the factory's error when the signal already aborted", async () => {
    const controller = new AbortController();
    controller.abort("gone");
    const never = new Promise<number>(() => undefined);
    const made = new PersistenceError("ERR_ABORTED", "custom", { stage: "open", target: "t" });
    let seen: unknown;
    const raced = raceAbort(never, controller.signal, (signal) => {
      seen = signal.reason;
      return made;
    });
    await expect(raced).rejects.toBe(made);
    expect(seen).toBe("gone");
  });

  it("rejects as soon as the signal aborts while the promise is pending", async () => {
    const controller = new AbortController();
    const pending = deferred<number>();
    const raced = raceAbort(pending.promise, controller.signal, () => new Error("aborted"));
    controller.abort();
    await expect(raced).rejects.toThrow("aborted");
    // A late settlement of the raced promise changes nothing.
    pending.resolve(1);
    await expect(raced).rejects.toThrow("aborted");
  });

  it("defaults to ERR_ABORTED with the signal's reason as cause", async () => {
    const controller = new AbortController();
    const reason = new Error("shutdown");
    const raced = raceAbort(new Promise<never>(() => undefined), controller.signal);
    controller.abort(reason);
    const error = await raced.catch((caught: unknown) => caught);
    expect(isPersistenceError(error, "ERR_ABORTED")).toBe(true);
    expect((error as PersistenceError).cause).toBe(reason);
  });

  it("removes its abort listener once the promise settles first", async () => {
    const controller = new AbortController();
    const pending = deferred<number>();
    const raced = raceAbort(pending.promise, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    pending.resolve(1);
    await raced;
    await raceAbort(Promise.reject(new Error("x")), controller.signal).catch(() => undefined);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("accepts a thenable that is not a native promise", async () => {
    const thenable: PromiseLike<string> = {
      // biome-ignore lint/suspicious/noThenProperty: the point is a non-native thenable
      then: (onFulfilled) => Promise.resolve(onFulfilled?.("from thenable")) as never,
    };
    await expect(raceAbort(thenable, new AbortController().signal)).resolves.toBe("from thenable");
  });
});
