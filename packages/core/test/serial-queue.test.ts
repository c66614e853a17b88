import { describe, expect, it, vi } from "vitest";
import { createSerialQueue, isPersistenceError, PersistenceError } from "../src/index.js";
import { deferred, flush } from "./support/fakes.js";

describe("createSerialQueue", () => {
  it("runs the operations on one key one at a time, in call order", async () => {
    const queue = createSerialQueue();
    const log: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const runs = gates.map((gate, index) =>
      queue.run("a", async () => {
        log.push(`start ${index}`);
        await gate.promise;
        log.push(`end ${index}`);
        return index;
      }),
    );
    await flush();
    expect(log).toEqual(["start 0"]);
    // Finishing a later gate first must not let its operation jump the queue.
    gates[2]?.resolve();
    gates[1]?.resolve();
    await flush();
    expect(log).toEqual(["start 0"]);
    gates[0]?.resolve();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2]);
    expect(log).toEqual(["start 0", "end 0", "start 1", "end 1", "start 2", "end 2"]);
  });

  it("runs operations on different keys independently", async () => {
    const queue = createSerialQueue();
    const blockA = deferred();
    const started: string[] = [];
    const a = queue.run("a", async () => {
      started.push("a");
      await blockA.promise;
    });
    const b = queue.run("b", () => {
      started.push("b");
      return "b done";
    });
    await expect(b).resolves.toBe("b done");
    expect(started).toEqual(["a", "b"]);
    blockA.resolve();
    await a;
  });

  it("keeps the chain going after an operation rejects or throws synchronously", async () => {
    const queue = createSerialQueue();
    const failure = new Error("first failed");
    const first = queue.run("a", async () => {
      throw failure;
    });
    const second = queue.run("a", () => {
      throw new PersistenceError("ERR_IO", "sync throw");
    });
    const third = queue.run("a", async () => "third ran");
    await expect(first).rejects.toBe(failure);
    await expect(second).rejects.toSatisfy((error) => isPersistenceError(error, "ERR_IO"));
    await expect(third).resolves.toBe("third ran");
  });

  it("rejects an operation aborted while queued without running it; later ones still run in order", async () => {
    const queue = createSerialQueue();
    const log: string[] = [];
    const gate = deferred();
    const first = queue.run("a", async () => {
      log.push("first start");
      await gate.promise;
      log.push("first end");
    });
    const controller = new AbortController();
    const made = new PersistenceError("ERR_ABORTED", "queued write aborted", {
      stage: "open",
      target: "a",
    });
    const aborted = queue.run(
      "a",
      () => {
        log.push("aborted ran");
      },
      { signal: controller.signal, abortError: () => made },
    );
    const third = queue.run("a", () => {
      log.push("third");
    });
    const fourth = queue.run("a", () => {
      log.push("fourth");
    });
    await flush();
    controller.abort();
    await expect(aborted).rejects.toBe(made);
    // The aborted one is out of the way, but the later ones still wait for the first.
    await flush();
    expect(log).toEqual(["first start"]);
    gate.resolve();
    await Promise.all([first, third, fourth]);
    expect(log).toEqual(["first start", "first end", "third", "fourth"]);
  });

  it("rejects at once with ERR_ABORTED (reason as cause) when the signal already aborted", async () => {
    const queue = createSerialQueue();
    const controller = new AbortController();
    const reason = new Error("stop");
    controller.abort(reason);
    let ran = false;
    const error = await queue
      .run(
        "a",
        () => {
          ran = true;
        },
        { signal: controller.signal },
      )
      .catch((caught: unknown) => caught);
    expect(isPersistenceError(error, "ERR_ABORTED")).toBe(true);
    expect((error as PersistenceError).cause).toBe(reason);
    expect(ran).toBe(false);
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it("starts an operation on an idle key without an abort listener, and still not once aborted before it started", async () => {
    const queue = createSerialQueue();
    const controller = new AbortController();
    const added = vi.spyOn(controller.signal, "addEventListener");
    await expect(queue.run("a", () => "ran", { signal: controller.signal })).resolves.toBe("ran");
    let ran = false;
    const aborted = queue.run(
      "b",
      () => {
        ran = true;
      },
      { signal: controller.signal },
    );
    // Aborted after run() returned, before the operation's turn came.
    controller.abort();
    await expect(aborted).rejects.toSatisfy((error) => isPersistenceError(error, "ERR_ABORTED"));
    expect(ran).toBe(false);
    expect(added).not.toHaveBeenCalled();
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it("does not abort an operation that already started", async () => {
    const queue = createSerialQueue();
    const controller = new AbortController();
    const gate = deferred();
    const running = queue.run(
      "a",
      async () => {
        await gate.promise;
        return "finished";
      },
      { signal: controller.signal },
    );
    await flush();
    controller.abort();
    gate.resolve();
    await expect(running).resolves.toBe("finished");
  });

  it("forgets a key once its operations settled, so keys do not leak", async () => {
    const queue = createSerialQueue<string>();
    expect(queue.size).toBe(0);
    const gate = deferred();
    const held = queue.run("held", () => gate.promise);
    const done: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i += 1) {
      done.push(queue.run(`key-${i}`, async () => i));
      done.push(queue.run(`key-${i}`, async () => Promise.reject(new Error(`fail ${i}`))));
    }
    expect(queue.size).toBe(101);
    await Promise.allSettled(done);
    await flush();
    expect(queue.size).toBe(1);
    gate.resolve();
    await held;
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it("forgets a key whose only operations were aborted while queued", async () => {
    const queue = createSerialQueue();
    const gate = deferred();
    const first = queue.run("a", () => gate.promise);
    const controller = new AbortController();
    const aborted = queue.run("a", () => undefined, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toSatisfy((error) => isPersistenceError(error, "ERR_ABORTED"));
    expect(queue.size).toBe(1);
    gate.resolve();
    await first;
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it("idle(key) waits for that key only; idle() waits for every key", async () => {
    const queue = createSerialQueue();
    const gateA = deferred();
    const gateB = deferred();
    void queue.run("a", () => gateA.promise);
    void queue.run("b", () => gateB.promise);
    let aIdle = false;
    let allIdle = false;
    void queue.idle("a").then(() => {
      aIdle = true;
    });
    void queue.idle().then(() => {
      allIdle = true;
    });
    gateA.resolve();
    await flush();
    expect(aIdle).toBe(true);
    expect(allIdle).toBe(false);
    gateB.resolve();
    await flush();
    expect(allIdle).toBe(true);
    await expect(queue.idle("never used")).resolves.toBeUndefined();
  });

  it("idle() resolves even when operations rejected", async () => {
    const queue = createSerialQueue();
    const failing = queue.run("a", async () => {
      throw new Error("nope");
    });
    await expect(queue.idle()).resolves.toBeUndefined();
    await expect(failing).rejects.toThrow("nope");
  });
});
