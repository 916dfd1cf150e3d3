/**
 * The few DOM helpers both dashboards use. Every text reaches the page through textContent, never
 * innerHTML: reasons and errors come from exchanges, nodes and oracles, and must never become markup.
 */

type Child = Node | string | null;

interface Props {
  readonly class?: string;
  readonly id?: string;
  readonly text?: string;
  readonly title?: string;
  readonly attrs?: Readonly<Record<string, string>>;
}

/** A new element with `props` and `children` (strings become text nodes; null is skipped). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class !== undefined) el.className = props.class;
  if (props.id !== undefined) el.id = props.id;
  if (props.title !== undefined) el.title = props.title;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) el.setAttribute(name, value);
  for (const child of children) if (child !== null) el.append(child);
  return el;
}

/** The element with id `id`; throws when the page shell lacks it (a build mistake, not a user's). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no element #${id}`);
  return el as T;
}

/** Sets the text of #id. */
export function setText(id: string, text: string): void {
  byId(id).textContent = text;
}

/** A table with a header row and one row per item. */
export function table(
  caption: string,
  headers: readonly string[],
  rows: readonly (readonly Child[])[],
): HTMLTableElement {
  return h(
    'table',
    {},
    h('caption', { text: caption }),
    h('thead', {}, h('tr', {}, ...headers.map((text) => h('th', { text, attrs: { scope: 'col' } })))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((cell) => h('td', {}, cell))))),
  );
}

/** A status badge: ok (green), bad (red) or warn (amber), with its words always in the text. */
export function badge(kind: 'ok' | 'bad' | 'warn' | 'neutral', text: string, title?: string): HTMLSpanElement {
  return h('span', { class: `badge badge-${kind}`, text, ...(title === undefined ? {} : { title }) });
}

/** Fetches JSON from this origin; resolves with the status and the parsed body (null when not JSON). */
export async function getJson(path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { status: response.status, body };
}

/** Lets the browser paint between chunks of work (signature checks take a few ms each). */
export const yieldToBrowser = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
