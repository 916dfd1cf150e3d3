/**
 * The browser tests never skip: without Chromium they fail, saying how to install it (CI installs
 * it in .ci/run; the README says how to run them locally).
 */
import { expect } from 'chai';
import { launchChromium } from '../support/browser.js';

describe('the browser the dashboard tests drive', () => {
  it('is missing loudly, never silently: no Chromium fails with the command that installs it', async () => {
    let failure: unknown = null;
    await launchChromium('/nonexistent/chromium').catch((err: unknown) => (failure = err));
    expect(String(failure)).to.match(
      /need Chromium at \/nonexistent\/chromium: install it with `sudo apt-get install -y chromium`/,
    );
  });
});
