import { PersistenceError } from "../errors/persistence-error.js";

/** The `ERR_CLOSED` a writer throws for `what` once `close()` began. Internal. */
export function closedError(what: string): PersistenceError {
  return new PersistenceError("ERR_CLOSED", `writer is closed: cannot ${what}`);
}
