import { setFlagsFromString } from "node:v8";
import { createContext, runInContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { encodeJson } from "../src/json-encoder.js";
import { text } from "./helpers.js";

interface RealmJson {
  rawJSON(text: string): unknown;
  isRawJSON(value: unknown): boolean;
  stringify(value: unknown, replacer: null, indent: number): string;
}

/** A realm with `JSON.rawJSON`: built in on Node.js 21+, behind a V8 flag on Node.js 20. */
function rawJsonRealm(): { json: RealmJson; run: (code: string) => unknown } {
  if (typeof (JSON as unknown as Partial<RealmJson>).rawJSON !== "function") {
    setFlagsFromString("--harmony-json-parse-with-source");
  }
  const context = createContext({});
  return {
    json: runInContext("JSON", context) as RealmJson,
    run: (code) => runInContext(code, context),
  };
}

describe("raw JSON objects", () => {
  it("are written verbatim, like JSON.stringify of their realm writes them", () => {
    const realm = rawJsonRealm();
    expect(typeof realm.json.rawJSON).toBe("function");
    const value = realm.run(`({
      big: JSON.rawJSON("12345678901234567890123"),
      huge: [JSON.rawJSON("1e1000"), JSON.rawJSON('"caf\\u00e9 \\\\u0041 😀"')],
      plain: 1,
    })`);
    for (const indent of [0, 2]) {
      const chunks = encodeJson(value, {
        indent,
        stableKeys: false,
        chunkSize: 64,
        stepBytes: 64,
        stringSegment: 64,
        maxSilentVisits: 4096,
        isRawJson: (v) => realm.json.isRawJSON(v),
      });
      expect(text(chunks)).toBe(realm.json.stringify(value, null, indent));
    }
  });
});
