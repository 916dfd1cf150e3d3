/**
 * The environment for the tests' child processes (the executable through tsx, lock holders): the
 * parent's, with NODE_V8_COVERAGE empty. Node hands that variable on to every child whose env does
 * not set it (deleting it is not enough), and c8 then merges the child's coverage, transpiled
 * separately, with the parent's: the source maps do not line up and lines the parent ran (even
 * comments) are counted as missed. What a child runs is covered in-process too.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, NODE_V8_COVERAGE: '' };
}
