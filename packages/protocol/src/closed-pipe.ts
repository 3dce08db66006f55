/**
 * `tunnel-client device list | head` closes the pipe before everything is written. The rest of
 * the output has nowhere to go, which is what the reader asked for, not a failure: exit quietly
 * instead of dying on an unhandled EPIPE with a stack trace.
 */
export function exitQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // A command that pipes a stream into stdout (device proxy) handles a closed reader itself, by
    // closing its half of the stream; exiting here would reset that stream instead.
    if (process.stdout.listenerCount('error') > 1) return;
    if (err.code === 'EPIPE') process.exit(0);
    process.stderr.write(`cannot write the output: ${err.message}${err.code ? ` [${err.code}]` : ''}\n`);
    process.exit(1);
  });
}
