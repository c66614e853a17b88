const LOCK_NAME = /^\.(.+)\.lock$/;

/** The lock file name of `name`: `.<name>.lock`. */
export function lockFileName(name: string): string {
  return `.${name}.lock`;
}

/** True when `fileName` looks like a lock file made by {@link lockFileName}. */
export function isLockFileName(fileName: string): boolean {
  return LOCK_NAME.test(fileName);
}
