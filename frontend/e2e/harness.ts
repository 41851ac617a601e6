// The end-to-end harness: start the real Calsync binary on a free port with
// a fresh data directory, drive Debian's Chromium with playwright-core, and
// talk to the emulators' control API for what a test must set up or check at
// the provider.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export interface Credential {
  role: string;
  email: string;
  password: string;
}

export interface Calsync {
  url: string;
  dataDir: string;
  /** Demo logins by email. */
  creds: Map<string, Credential>;
  /** Everything the process printed (for failures). */
  output: () => string;
  /** cli runs another calsync command (org create…) on the same data and returns what it printed. */
  cli: (...args: string[]) => string;
  stop: () => Promise<void>;
}

export const ADMIN = 'admin@demo.calsync.test';
export const SCHEDULER = 'scheduler@demo.calsync.test';
export const FIONA = 'fiona@demo.calsync.test';
export const PEKKA = 'pekka@demo.calsync.test';
export const MARIA = 'maria@demo.calsync.test';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(here, '..', 'test-artifacts');
const require = createRequire(import.meta.url);

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? ok(a.port) : fail(new Error('no port'))));
    });
  });
}

/** startCalsync runs the binary named by CALSYNC_BIN with its embedded defaults. */
export async function startCalsync(env: Record<string, string> = {}): Promise<Calsync> {
  const bin = process.env.CALSYNC_BIN;
  if (!bin) throw new Error('CALSYNC_BIN must name the calsync binary (make test-console sets it)');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'calsync-e2e-'));
  let out = '';
  const childEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dataDir,
    CALSYNC_DATA_DIR: dataDir,
    CALSYNC_ADDR: `127.0.0.1:${port}`,
    CALSYNC_PUBLIC_URL: url,
    CALSYNC_METRICS_ADDR: 'off',
    CALSYNC_LOG_LEVEL: 'warn',
    ...env,
  };
  const child: ChildProcess = spawn(bin, ['serve'], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (b) => (out += b));
  child.stderr?.on('data', (b) => (out += b));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`calsync exited (${child.exitCode}):\n${out}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`calsync not ready in 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const creds = new Map<string, Credential>();
  for (const line of readFileSync(join(dataDir, 'demo-credentials.txt'), 'utf8').split('\n')) {
    const m = line.trim().match(/^(\S+)\s+(\S+@\S+)\s+(\S+)$/);
    if (m) creds.set(m[2], { role: m[1], email: m[2], password: m[3] });
  }
  return {
    url,
    dataDir,
    creds,
    output: () => out,
    cli: (...args: string[]) => execFileSync(bin, args, { env: childEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
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

export const desktop = { width: 1366, height: 900 };
export const phone = { width: 390, height: 844 };

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Errors the page logged or threw (a test ends by asserting there are none). */
  errors: string[];
}

/** openConsole makes a browser context (own cookies) and a page that records console errors. */
export async function openConsole(browser: Browser, opts: { viewport?: { width: number; height: number } } = {}): Promise<ConsolePage> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? desktop,
    isMobile: opts.viewport === phone,
    hasTouch: opts.viewport === phone,
  });
  // Generous waits: a 2-core CI machine runs two of these files at once.
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { context, page, errors };
}

/** signIn fills the console's sign-in form and waits for the menu. */
export async function signIn(page: Page, cs: Calsync, email: string, path = '/calendar'): Promise<void> {
  const c = cs.creds.get(email);
  if (!c) throw new Error(`no demo credential for ${email}`);
  await page.goto(cs.url + path);
  await page.getByLabel('Email').fill(c.email);
  await page.getByLabel(/^Password/).fill(c.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/**
 * screenshot writes test-artifacts/screens/<name>-desktop.png and
 * <name>-phone.png (the page resized, then restored).
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = join(artifacts, 'screens');
  mkdirSync(dir, { recursive: true });
  const size = page.viewportSize() ?? desktop;
  for (const [label, vp] of [
    ['desktop', desktop],
    ['phone', phone],
  ] as const) {
    await page.setViewportSize(vp);
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(dir, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(size);
}

/** a11yViolations runs axe-core in the page and returns the serious and critical findings. */
export async function a11yViolations(page: Page): Promise<string[]> {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Let running transitions end first: a notification fading in is
  // half-transparent, and axe would measure its contrast mid-fade.
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))));
  // Evaluated over the DevTools protocol: the console's CSP forbids inline scripts.
  await page.evaluate(source);
  const result = await page.evaluate(async () => {
    // @ts-expect-error axe is the global the script defines
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v: { id: string; impact: string; help: string; nodes: { target: string[]; html: string; failureSummary?: string }[] }) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} ${n.html.slice(0, 100)} ${n.failureSummary ?? ''}`),
    }));
  });
  const bad = result.filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(join(artifacts, `axe-${Date.now()}.json`), JSON.stringify(bad, null, 2));
  }
  return bad.map((v: { id: string; help: string; targets: string[] }) => `${v.id}: ${v.help} (${v.targets.join(', ')})`);
}

/** api signs in over HTTP (no browser) and returns a function running GraphQL as that user. */
export async function api(cs: Calsync, email: string) {
  const c = cs.creds.get(email)!;
  const res = await fetch(`${cs.url}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($i:SignInInput!){signIn(input:$i){viewer{csrfToken}}}',
      variables: { i: { email: c.email, password: c.password } },
    }),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  const body = (await res.json()) as { data?: { signIn: { viewer: { csrfToken: string } } }; errors?: unknown };
  if (!body.data) throw new Error(`sign in ${email}: ${JSON.stringify(body.errors)}`);
  const csrf = body.data.signIn.viewer.csrfToken;
  return async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const r = await fetch(`${cs.url}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
      body: JSON.stringify({ query, variables }),
    });
    const b = (await r.json()) as { data?: T; errors?: { message: string }[] };
    if (b.errors?.length) throw new Error(b.errors.map((e) => e.message).join('; '));
    return b.data as T;
  };
}

/** emulator calls the emulators' control API (loopback only), e.g. emulator(cs, 'GET', '/google/accounts'). */
export async function emulator<T = any>(cs: Calsync, method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(`${cs.url}/_emulator${path}`, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} /_emulator${path}: ${r.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** until polls fn until it returns a truthy value (or throws after the timeout). */
export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * consentAtProvider completes a calendar link in the browser from wherever
 * the page stands after it left the console for a consent URL (or followed
 * an authorization email's link): Calsync's confirmation, then the emulated
 * provider's consent page (the account chosen, calendar access granted),
 * ending on Calsync's result page, whose title it returns.
 */
export async function consentAtProvider(page: Page, provider: 'GOOGLE' | 'MICROSOFT', email: string): Promise<string> {
  const name = provider === 'GOOGLE' ? 'Google' : 'Microsoft';
  const confirm = page.getByRole('button', { name: new RegExp(`^Continue to ${name}`) });
  await confirm.waitFor();
  await confirm.click();
  await page.locator('form input[name="account"]').first().waitFor();
  await page.getByLabel(new RegExp(`<${email.replace(/[.+]/g, '\\$&')}>`)).check();
  if (provider === 'GOOGLE') {
    await page.locator('input[name="scope"][value="https://www.googleapis.com/auth/calendar"]').check();
    await page.getByRole('button', { name: 'Allow' }).click();
  } else {
    await page.getByRole('button', { name: 'Accept' }).click();
  }
  const title = page.locator('h1#title');
  await page.waitForURL(/\/oauth\/(google|microsoft)\/callback/);
  await title.waitFor();
  return (await title.innerText()).trim();
}
