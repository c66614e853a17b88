// A remote sink that has stopped answering (a hung network mount, a server that accepted the
// connection and went silent): every write stays pending forever and ignores the abort signal.
// The writer's close() must still return at its deadline.
export function createHungSink() {
  let writes = 0;
  return {
    capabilities: { atomicReplace: true, durable: true, backup: false, crossProcessLock: false },
    get writes() {
      return writes;
    },
    write() {
      writes++;
      return new Promise(() => {});
    },
    read() {
      return new Promise(() => {});
    },
  };
}
