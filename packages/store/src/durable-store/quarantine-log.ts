import type { Sink } from "@snapwrite/core";

/**
 * `sink` whose `quarantine` also notes where each file it moved aside went, in `moved`. A warm
 * load reads the snapshots through it, so its report lists a snapshot it moved aside even when no
 * snapshot loaded at all (the snapshot store reports its skipped ones only with one that did).
 */
export function recordQuarantines(sink: Sink, moved: string[]): Sink {
  const quarantine = sink.quarantine;
  if (quarantine === undefined) return sink;
  return Object.create(sink, {
    quarantine: {
      value: async (...args: Parameters<NonNullable<Sink["quarantine"]>>) => {
        const to = await quarantine.apply(sink, args);
        moved.push(to);
        return to;
      },
    },
  }) as Sink;
}
