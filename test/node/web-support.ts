/**
 * For the web page tests: a real `airboot demo` process on free ports (its simulated STM32F103C8 running the demo
 * application), Debian's chromium driven by playwright-core, and pages that record every console error and
 * script error so a test can require none.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { DirectoryAssetStore } from '../../src/platform/node/web-assets.js';
import { buildWeb } from '../../tools/build-web.js';
import { freePorts, type RunningService, startService } from './support/service.js';

export const CHROMIUM = '/usr/bin/chromium';
/** In CI a missing chromium is a broken image, not a reason to skip. */
export const skipWithoutChromium =
  !existsSync(CHROMIUM) && process.env.CI !== 'true' ? `${CHROMIUM} is not installed` : false;

export interface Demo {
  readonly service: RunningService;
  /** http://127.0.0.1:PORT */
  readonly base: string;
  readonly ports: Record<string, number>;
}

/** `airboot demo` with every service on a free port, settings in memory; dist/web built when it is not yet. */
export async function startDemo(): Promise<Demo> {
  if (!new DirectoryAssetStore().built) await buildWeb();
  const [http, bridge, control, rfc2217] = await freePorts(4);
  const service = await startService('demo', [
    '--http-port',
    String(http),
    '--bridge-port',
    String(bridge),
    '--control-port',
    String(control),
    '--rfc2217-port',
    String(rfc2217),
  ]);
  return { service, base: `http://127.0.0.1:${service.ports['http']}`, ports: service.ports };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface WatchedPage {
  readonly page: Page;
  /** Console messages of type error and uncaught script errors, in order. */
  readonly problems: string[];
}

/** A new page (its own context: its own sessionStorage) at `url`, with its problems recorded. */
export async function openPage(
  browser: Browser,
  url: string,
  width = 1100,
  height = 800,
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`script: ${error.message}`));
  await page.goto(url);
  return { page, problems };
}

/** Show one page of the UI by its tab link, as a user would. */
export async function showTab(page: Page, name: 'status' | 'flash' | 'terminal' | 'settings'): Promise<void> {
  await page.locator(`#tabs a[href="#${name}"]`).click();
  await page.locator(`[data-page="${name}"]`).waitFor({ state: 'visible' });
}

/** How far the page scrolls sideways (0 when it fits the viewport). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
}

/**
 * The problems left once Chrome's own log lines for answers a test asked for are taken out ("Failed to load
 * resource: the server responded with a status of 400 (Bad Request)" for a file meant to be refused).
 */
export function unexpected(problems: readonly string[], expectedStatuses: readonly number[]): string[] {
  return problems.filter((problem) => {
    const match = /Failed to load resource: the server responded with a status of (\d{3})/.exec(problem);
    return !match || !expectedStatuses.includes(Number(match[1]));
  });
}
