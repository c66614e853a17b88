/** A small, fast, seeded pseudo-random generator (sfc32). Same seed, same sequence, on every machine. */
export interface Prng {
  /** Next unsigned 32-bit integer. */
  nextUint32(): number;
  /** Next float in [0, 1). */
  nextFloat(): number;
  /** Next integer in [min, max] (both inclusive; `max - min` must stay below 2^32). */
  nextInt(min: number, max: number): number;
  /** Fills `target` with random bytes and returns it. */
  fill(target: Uint8Array): Uint8Array;
}

/**
 * Creates an sfc32 generator seeded from one 32-bit integer. The state is warmed up with 15 rounds
 * as the algorithm's authors recommend, so nearby seeds do not give correlated first values.
 */
export function createPrng(seed: number): Prng {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) nextUint32();
  return {
    nextUint32,
    nextFloat: () => nextUint32() / 4294967296,
    nextInt: (min, max) => min + Math.floor((nextUint32() / 4294967296) * (max - min + 1)),
    fill: (target) => {
      let i = 0;
      for (; i + 4 <= target.length; i += 4) {
        const v = nextUint32();
        target[i] = v & 0xff;
        target[i + 1] = (v >>> 8) & 0xff;
        target[i + 2] = (v >>> 16) & 0xff;
        target[i + 3] = v >>> 24;
      }
      for (; i < target.length; i++) target[i] = nextUint32() & 0xff;
      return target;
    },
  };
}
