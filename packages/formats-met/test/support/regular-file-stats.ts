/** What `stat` gives for a regular file of `size` bytes, for the CLI tests' injected file systems. */
export function regularFileStats(size: number) {
  return {
    size,
    isFile: () => true,
    isDirectory: () => false,
    isCharacterDevice: () => false,
    isBlockDevice: () => false,
    isFIFO: () => false,
    isSocket: () => false,
  };
}
