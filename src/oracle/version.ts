/** The software version reported by /oracle and --version, read from package.json once. */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
export const SOFTWARE_VERSION: string = pkg.version;
