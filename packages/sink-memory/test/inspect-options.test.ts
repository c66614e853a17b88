import { describe, expect, it } from "vitest";
import { createMemorySink } from "../src/index.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

// An inspection option that is misspelt or has an unknown value must not silently fall back to the
// primary store: a test seeding a backup would then overwrite the primary it meant to keep.
describe("inspection options", () => {
  it.each([
    [{ to: "elsewhere" }, /put: to must be "primary" or "backup", got "elsewhere"/],
    [{ to: "Backup" }, /put: to must be "primary" or "backup", got "Backup"/],
    [{ to: null }, /put: to must be "primary" or "backup", got null/],
    [{ too: "backup" }, /put: unknown option "too"; known: to/],
    ["backup", /put: options must be an object/],
  ])("put refuses %j with a TypeError and stores nothing", (options, message) => {
    const sink = createMemorySink({ backup: true });
    sink.put("a", bytes("kept"));
    const put = () => sink.put("a", bytes("new"), options as never);
    expect(put).toThrow(TypeError);
    expect(put).toThrow(message);
    expect(sink.snapshot().get("a")).toEqual(bytes("kept"));
    expect(sink.keys({ from: "backup" })).toEqual([]);
  });

  it("put accepts no options, {}, an undefined to, primary and backup", () => {
    const sink = createMemorySink({ backup: true });
    sink.put("a", bytes("1"));
    sink.put("b", bytes("2"), {});
    sink.put("c", bytes("3"), { to: undefined });
    sink.put("d", bytes("4"), { to: "primary" });
    sink.put("e", bytes("5"), { to: "backup" });
    expect(sink.keys()).toEqual(["a", "b", "c", "d"]);
    expect(sink.keys({ from: "backup" })).toEqual(["e"]);
  });

  it.each([
    [{ from: "elsewhere" }, /keys: from must be "primary" or "backup", got "elsewhere"/],
    [{ form: "backup" }, /keys: unknown option "form"; known: from/],
    [7, /keys: options must be an object/],
  ])("keys and snapshot refuse %j with a TypeError", (options, message) => {
    const sink = createMemorySink({ backup: true });
    expect(() => sink.keys(options as never)).toThrow(message);
    expect(() => sink.snapshot(options as never)).toThrow(TypeError);
    expect(() => sink.snapshot(options as never)).toThrow(
      new RegExp(message.source.replace("keys", "snapshot")),
    );
  });

  it("keys and snapshot accept no options, {}, an undefined from, primary and backup", () => {
    const sink = createMemorySink({ backup: true });
    sink.put("a", bytes("1"));
    sink.put("b", bytes("2"), { to: "backup" });
    expect(sink.keys()).toEqual(["a"]);
    expect(sink.keys({})).toEqual(["a"]);
    expect(sink.keys({ from: undefined })).toEqual(["a"]);
    expect(sink.keys({ from: "primary" })).toEqual(["a"]);
    expect([...sink.snapshot({ from: "backup" }).keys()]).toEqual(["b"]);
  });
});
