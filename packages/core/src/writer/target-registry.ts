import { isTargetRunner, runTarget, type TargetRunner } from "../attempt/target-runner.js";
import { runWriteAttempt } from "../attempt/write-attempt.js";
import type { Sink } from "../contracts/sink.js";
import type { TargetId } from "../contracts/target.js";
import { assertValidTarget } from "../contracts/validate-target.js";
import { closedError } from "./closed-error.js";
import type { RunnerTargetOptions, TargetOptions } from "./options.js";
import { isFunction, resolveTargetSettings, type TargetSettings } from "./resolve-options.js";
import { CoalescingScheduler } from "./scheduler/coalescing-scheduler.js";
import {
  type RunnerTargetHandle,
  type TargetHandle,
  targetHandleMethods,
} from "./target-handle.js";
import type { WriterHost } from "./writer-host.js";

/**
 * The targets of one writer, in registration order, and the runners registered with them:
 * `register()` validates a target's options and creates its scheduler. Internal.
 */
export class TargetRegistry {
  readonly schedulers = new Map<TargetId, CoalescingScheduler>();
  /** The runners of runner targets; the writer closes each once. */
  readonly runners = new Set<TargetRunner>();

  constructor(
    private readonly host: WriterHost,
    private readonly sink: Sink | undefined,
  ) {}

  /** `writer.register()`: a `{ snapshot, codec }` target, or a `{ runner }` one. */
  register(
    target: TargetId,
    targetOptions: TargetOptions<unknown> | RunnerTargetOptions,
  ): TargetHandle<unknown> | RunnerTargetHandle {
    if (this.host.closing) throw closedError(`register ${JSON.stringify(target)}`);
    assertValidTarget(target);
    this.assertNew(target);
    if (typeof targetOptions !== "object" || targetOptions === null) {
      throw new TypeError("register() needs an options object");
    }
    if ("runner" in targetOptions && targetOptions.runner !== undefined) {
      return this.registerRunner(target, targetOptions as RunnerTargetOptions);
    }
    const { snapshot, codec } = targetOptions as TargetOptions<unknown>;
    if (!isFunction(snapshot)) {
      if ("replica" in targetOptions) {
        throw new TypeError(
          "register() takes a worker replica as { runner: replica } (the target-runner port)",
        );
      }
      throw new TypeError("register() needs either snapshot + codec or a runner");
    }
    if (typeof codec !== "object" || codec === null || !isFunction(codec.encode)) {
      throw new TypeError("codec must be a Codec with an encode() method");
    }
    const settings = this.settings(target, targetOptions);
    const { host, sink } = this;
    if (sink === undefined) {
      throw new TypeError(
        `target ${JSON.stringify(target)} has snapshot + codec, but the writer has no sink: pass \`sink\` to createPersistenceWriter, or register the target with a runner`,
      );
    }
    const scheduler = new CoalescingScheduler(host, {
      target,
      run: ({ generation, signal }) =>
        runWriteAttempt({
          target,
          generation,
          snapshot,
          codec,
          executor: host.executor,
          sink,
          signal,
        }),
      ...settings,
    });
    this.schedulers.set(target, scheduler);
    return Object.freeze(Object.assign(targetHandleMethods(scheduler, host), { codec }));
  }

  private registerRunner(target: TargetId, targetOptions: RunnerTargetOptions): RunnerTargetHandle {
    const { runner } = targetOptions;
    const unknownOptions = targetOptions as { snapshot?: unknown; codec?: unknown };
    if (unknownOptions.snapshot !== undefined || unknownOptions.codec !== undefined) {
      throw new TypeError("pass either snapshot + codec or a runner, not both");
    }
    if (!isTargetRunner(runner)) {
      throw new TypeError(
        "runner must be a TargetRunner: { run(input), attach?(target), close?(options) }",
      );
    }
    const settings = this.settings(target, targetOptions);
    runner.attach?.(target);
    const scheduler = new CoalescingScheduler(this.host, {
      target,
      run: (input) => runTarget(runner, input),
      ...settings,
    });
    this.schedulers.set(target, scheduler);
    this.runners.add(runner);
    return Object.freeze(Object.assign(targetHandleMethods(scheduler, this.host), { runner }));
  }

  private settings(target: TargetId, targetOptions: object): TargetSettings {
    const settings = resolveTargetSettings(targetOptions);
    this.assertNew(target);
    return settings;
  }

  private assertNew(target: TargetId): void {
    if (this.schedulers.has(target)) {
      throw new TypeError(`target ${JSON.stringify(target)} is already registered`);
    }
  }
}
