/**
 * Resolves with the first SIGINT (Ctrl-C) or SIGTERM. While it waits, those signals do not kill the process, so the
 * caller can shut down cleanly (close the port, stop socat, print a summary).
 */
export function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/**
 * Run `onSignal` on SIGINT/SIGTERM until the returned function is called. A second Ctrl-C while the first is being
 * handled ends the process at once (exit 130), for a job that does not stop.
 */
export function onInterrupt(onSignal: (signal: NodeJS.Signals) => void): () => void {
  let seen = false;
  const handler = (signal: NodeJS.Signals) => {
    if (seen) process.exit(130);
    seen = true;
    onSignal(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
