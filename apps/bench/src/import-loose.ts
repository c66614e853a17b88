/** Imports a module dynamically; returns its namespace, or the error message when it cannot load. */
export async function importLoose(specifier: string): Promise<Record<string, unknown> | string> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
