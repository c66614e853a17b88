/**
 * Thrown by the `check*` functions of `@snapwrite/testkit/contract` when an implementation breaks
 * the contract. The message says what was expected and what happened.
 */
export class ContractViolation extends Error {
  /** Name of the check that failed (`"checkConcurrentWrites"`). */
  readonly check: string;

  constructor(check: string, message: string, options?: { cause?: unknown }) {
    super(`${check}: ${message}`, options);
    this.name = "ContractViolation";
    this.check = check;
  }
}
