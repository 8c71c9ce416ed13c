// Waiting for a child process to say it is ready, the same way everywhere (tests, benchmarks).
// Tools colour their output when they think a person or a CI log is reading (picocolors, used by Vite,
// turns colours on whenever the CI variable is set, and then splits "127.0.0.1:5173" into
// "127.0.0.1:" + bold "5173"): colour and other control sequences are removed before matching.
// The wait always ends: the child exiting or the time limit rejects with what the child printed.
import { stripVTControlCharacters } from 'node:util';

/**
 * Resolves to the first match of `pattern` in the child's stdout and stderr (control sequences removed).
 * @param {import('node:child_process').ChildProcess} child
 * @param {RegExp | string} pattern
 * @param {{ ms?: number, what?: string }} [options] time limit (default 60 s) and a name for messages
 * @returns {Promise<RegExpExecArray>}
 */
export function waitForOutput(child, pattern, { ms = 60_000, what = 'child process' } = {}) {
  const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
  return new Promise((resolve, reject) => {
    let out = '';
    const streams = [child.stdout, child.stderr].filter(Boolean);
    const done = (fn, value) => {
      clearTimeout(timer);
      for (const s of streams) s.off('data', onData);
      child.off('exit', onExit);
      fn(value);
    };
    const onData = (d) => {
      out += d;
      const m = re.exec(stripVTControlCharacters(out));
      if (m) done(resolve, m);
    };
    const onExit = (code, signal) => done(reject, new Error(`${what} exited (${signal ?? code}) before printing ${re}:\n${stripVTControlCharacters(out)}`));
    const timer = setTimeout(() => done(reject, new Error(`${what} did not print ${re} within ${ms / 1000} s:\n${stripVTControlCharacters(out)}`)), ms);
    for (const s of streams) s.on('data', onData);
    child.on('exit', onExit);
  });
}

/** Kills the child (SIGTERM, then SIGKILL after `ms`) and resolves once it has exited. */
export function stopChild(child, ms = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
