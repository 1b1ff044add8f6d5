/** For commands that follow something until Ctrl-C: SIGINT/SIGTERM abort the returned signal. */
export function stopSignal(): AbortSignal {
  const abort = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort(sig));
  return abort.signal;
}
