/**
 * The environment for the tests' child processes (the executable through tsx, lock holders): the
 * parent's, without NODE_V8_COVERAGE. Node hands that variable on, and c8 then merges the child's
 * coverage, transpiled separately, with the parent's: the two source maps do not line up and lines
 * the parent ran (even comments) are counted as missed. What a child runs is covered in-process too.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_V8_COVERAGE: _coverage, ...env } = process.env;
  return { ...env, ...extra };
}
