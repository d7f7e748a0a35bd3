/**
 * Headless Debian Chromium for the explorer tests (playwright-core): a page on a listening server, its uncaught
 * errors collected, and a close that removes the profile. `missingChromium` says why a browser test must skip.
 */
import { existsSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Page } from 'playwright-core';
import { tempDir } from './helpers.js';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why a browser test cannot run here ('' when it can); throws when SIDREC_REQUIRE_BROWSER demands it (CI). */
export function missingBrowser(extra = ''): string {
  const why = !existsSync(CHROMIUM) ? `${CHROMIUM} not installed (apt-get install chromium)` : extra;
  if (why && process.env.SIDREC_REQUIRE_BROWSER) throw new Error(`${why}, but SIDREC_REQUIRE_BROWSER is set`);
  return why;
}

/** Listens on loopback, opens the explorer in Chromium and runs `body`; always closes the browser, the app and the profile. */
export async function withExplorer(app: FastifyInstance, body: (page: Page, pageErrors: string[]) => Promise<void>): Promise<void> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const profile = tempDir('chromium');
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(base);
    await body(page, pageErrors);
  } finally {
    await context.close();
    await app.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
