import { goalJsonSpeed, goalMetLoad } from "./goal-codecs.js";
import { goalManyTargets } from "./goal-many-targets.js";
import { goalNoStall } from "./goal-stall.js";
import type { GoalInputs, GoalVerdict } from "./goal-support.js";
import { goalWorker } from "./goal-worker.js";

/** Evaluates goals 1–5 from one run's measurements. */
export function evaluateGoals(input: GoalInputs): GoalVerdict[] {
  return [
    goalNoStall(input),
    goalJsonSpeed(input),
    goalMetLoad(input),
    goalWorker(input),
    goalManyTargets(input),
  ];
}
