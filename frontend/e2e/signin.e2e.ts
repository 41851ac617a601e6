import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { ADMIN, FIONA, a11yViolations, launchBrowser, openConsole, phone, screenshot, signIn, startCalsync, type Calsync } from './harness';

let cs: Calsync;
let browser: Browser;

beforeAll(async () => {
  [cs, browser] = await Promise.all([startCalsync(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await cs?.stop();
});

test('a wrong password shows the server message; the right one opens the deep link; sign out returns to the form', async () => {
  const { page, errors, context } = await openConsole(browser);
  await page.goto(cs.url + '/sync');
  await expect(page.getByRole('heading', { name: 'Calsync' })).toBeTruthy();
  await page.getByLabel('Email').fill(ADMIN);
  await page.getByLabel(/^Password/).fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  expect(await page.getByRole('alert').innerText()).toMatch(/password/i);
  await screenshot(page, 'signin');
  expect(await a11yViolations(page)).toEqual([]);

  await page.getByLabel(/^Password/).fill(cs.creds.get(ADMIN)!.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/sync');
  // The page itself renders at once, not only the menu.
  await page.getByRole('heading', { name: 'My calendar sync', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  // Signed out for real: the API no longer knows the browser.
  const viewer = await page.evaluate(async () => {
    const r = await fetch('/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"query":"{viewer{role}}"}' });
    return (await r.json()).data.viewer;
  });
  expect(viewer).toBeNull();
  expect(errors.filter((e) => !/401|403|Failed to load resource/.test(e))).toEqual([]);
  await context.close();
});

test('a fieldworker on a phone gets a menu without the admin pages', async () => {
  const { page, errors, context } = await openConsole(browser, { viewport: phone });
  await signIn(page, cs, FIONA);
  await page.getByRole('button', { name: 'Menu' }).click();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'My calendar sync' }).waitFor();
  expect(await nav.getByRole('link', { name: 'Organization settings' }).count()).toBe(0);
  expect(await nav.getByRole('link', { name: 'Fieldworkers' }).count()).toBe(0);
  expect(errors).toEqual([]);
  await context.close();
});

test('an email in two organizations with the same password is asked for the organization', async () => {
  // A second organization whose first admin has the demo admin's email.
  const printed = cs.cli('org', 'create', '--name', 'Acme Field Services', '--slug', 'acme', '--admin-email', ADMIN);
  const link = printed.match(/https?:\/\/\S+\/signin\/\S+/)?.[0];
  expect(link, printed).toBeTruthy();
  const password = cs.creds.get(ADMIN)!.password;
  {
    const { page, context } = await openConsole(browser);
    await page.goto(link!);
    await page.getByLabel(/^New password/).fill(password);
    await page.getByLabel(/^Repeat it/).fill(password);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.waitForLoadState();
    await context.close();
  }
  const { page, errors, context } = await openConsole(browser);
  await page.goto(cs.url + '/calendar');
  await page.getByLabel('Email').fill(ADMIN);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel(/^Organization/).waitFor();
  expect(await page.getByRole('alert').innerText()).toMatch(/several organizations/);
  await page.getByLabel(/^Organization/).fill('acme');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.getByText('Acme Field Services').first().waitFor();
  expect(errors).toEqual([]);
  await context.close();
});
