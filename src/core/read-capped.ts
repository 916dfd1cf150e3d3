/** Reading bodies we do not trust (an oracle's answer, a URL, stdin) without letting them fill memory. */

/**
 * Reads `source` (a fetch body, process.stdin) as UTF-8 text, or returns null as soon as it passes
 * `maxBytes`; leaving the loop early cancels a fetch body, so the rest is never downloaded.
 */
export async function readCappedText(
  source: AsyncIterable<Uint8Array> | null,
  maxBytes: number,
): Promise<string | null> {
  if (source === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
